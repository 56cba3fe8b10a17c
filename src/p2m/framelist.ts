// map_p2m_tree (libxenguest tools/libs/guest/xg_sr_save_x86_pv.c), generalised to the depth:
// map the frame list list, trim trailing identical entries ("try to find last used pfn"),
// map each frame-list level, then every leaf. Every page mapped is one foreign mapping. Used
// by the trees and by the 3.19-4.2 list, which publishes the same frame-list tree.
import { type Arena, PAGE_SHIFT_LANES } from './memory.js';
import type { ToolView } from './variant.js';

/**
 * `topMfn` is the frame published as pfn_to_mfn_frame_list_list, `maxPfnCount` the published
 * shared_info.arch.max_pfn, `fpp` entries per frame (512, or 1024 for 32-bit PAE), `depth`
 * the tree's levels counting the leaves.
 */
export function mapFrameListTree(
  mem: Arena,
  topMfn: number,
  depth: number,
  fpp: number,
  maxPfnCount: number,
  who: string,
): ToolView {
  const ls = fpp === 512 ? 1 : 0; // lanes per entry: 64-bit entries take two
  const ptrAt = (frame: number, idx: number): number => mem.lanes[(frame << PAGE_SHIFT_LANES) + (idx << ls)]!;
  let maxPfn = maxPfnCount - 1; // the tools use max_pfn - 1 (inclusive)
  const span = fpp ** (depth - 1); // pfns under one fll entry
  let fllEntries = Math.floor(maxPfn / span) + 1;
  if (fllEntries > fpp)
    throw new Error(`${who}: max_pfn ${maxPfn} too large for p2m tree (fll_entries ${fllEntries} > ${fpp})`);
  let maps = 1; // the frame list list (p2m_top_mfn)
  let savedMfn = 0;
  let savedX = 0;
  for (let x = 0; x < fllEntries; x++) {
    const mfn = ptrAt(topMfn, x);
    if (mfn === 0) throw new Error(`${who}: bad mfn 0 at index ${x} in p2m frame list list`);
    if (mfn !== savedMfn) {
      savedMfn = mfn;
      savedX = x;
    }
  }
  const trimmed = (savedX + 1) * span - 1;
  if (trimmed < maxPfn) {
    maxPfn = trimmed;
    fllEntries = Math.floor(maxPfn / span) + 1;
  }
  let frames = new Int32Array(fllEntries);
  for (let x = 0; x < fllEntries; x++) frames[x] = ptrAt(topMfn, x);
  for (let k = depth - 2; k >= 1; k--) {
    // map every frame of this level (its entries cover fpp^k pfns each), copy out the ones covering [0, maxPfn]
    maps += frames.length;
    const need = Math.floor(maxPfn / fpp ** k) + 1;
    const next = new Int32Array(need);
    for (let j = 0; j < need; j++) {
      const mfn = ptrAt(frames[(j / fpp) | 0]!, j & (fpp - 1));
      if (mfn === 0) throw new Error(`${who}: bad mfn 0 in p2m frame list`);
      next[j] = mfn;
    }
    frames = next;
  }
  // `frames` now holds the leaf MFNs (the frame list); map_p2m_leaves maps each one
  const leafMaps = frames.length;
  maps += leafMaps;
  return { leaves: frames, pfns: leafMaps * fpp, maps, leafMaps, generation: -1 };
}
