// map_p2m_list (libxenguest tools/libs/guest/xg_sr_save_x86_pv.c): the toolstack finds the
// linear list by walking the guest's page tables from p2m_cr3, L4 -> L3 -> L2 -> L1 ->
// leaves, over the VA range [p2m_vaddr, p2m_vaddr + 8 * max_pfn), mapping every page of each
// level. At level 2 it trims a trailing run of identical entries (the "maximum pfn check"),
// comparing a relative index with idx_end as the real code does, and then maps one L1 page
// more than the trimmed range needs.
import type { Arena } from './memory.js';
import { PT_ENTRIES, readPte, XEN_HOLE_VPN } from './pagetable.js';
import type { ToolView } from './variant.js';

/** `vaddrVpn` is p2m_vaddr as a VPN, `maxPfnCount` the published max_pfn, `generation` what get_p2m_generation read */
export function mapP2mList(
  mem: Arena,
  cr3: number,
  vaddrVpn: number,
  maxPfnCount: number,
  generation: number,
): ToolView {
  const fpp = 512;
  let maxPfn = maxPfnCount - 1;
  let p2mFrames = Math.floor(maxPfn / fpp) + 1;
  const startVpn = vaddrVpn;
  let endVpn = startVpn + p2mFrames - 1;
  if (endVpn >= XEN_HOLE_VPN[0] && startVpn <= XEN_HOLE_VPN[1])
    throw new Error('linear: p2m list overlaps the Xen hole');
  let maps = 0;
  let frames = new Int32Array([cr3]);
  let idxStart = 0;
  let idxEnd = 0;
  for (let level = 4; level >= 1; level--) {
    maps += idxEnd - idxStart + 1; // map the pages of this level
    const base = Math.floor(startVpn / PT_ENTRIES ** level) * PT_ENTRIES; // `off`, in entries
    idxStart = Math.floor(startVpn / PT_ENTRIES ** (level - 1)) - base;
    idxEnd = Math.floor(endVpn / PT_ENTRIES ** (level - 1)) - base;
    const next = new Int32Array(idxEnd - idxStart + 1);
    let savedMfn = 0;
    let savedIdx = 0;
    for (let idx = idxStart; idx <= idxEnd; idx++) {
      const mfn = readPte(mem, frames[idx >>> 9]!, idx & (PT_ENTRIES - 1)); // idx counts from the first mapped page
      if (mfn === 0) throw new Error(`linear: bad mfn 0 during page table walk at level ${level}`);
      next[idx - idxStart] = mfn;
      if (level === 2 && mfn !== savedMfn) {
        savedMfn = mfn;
        savedIdx = idx - idxStart;
      }
    }
    if (level === 2) {
      if (savedIdx === idxEnd) savedIdx++;
      const trimmed = savedIdx * 512 * fpp - 1;
      if (trimmed < maxPfn) {
        maxPfn = trimmed;
        p2mFrames = Math.floor((maxPfn + fpp) / fpp);
        endVpn = startVpn + p2mFrames - 1;
        idxEnd = idxStart + savedIdx;
      }
    }
    frames = next.subarray(0, idxEnd - idxStart + 1);
    if (level === 1) break;
    idxStart = 0;
    idxEnd = frames.length - 1;
  }
  const leafMaps = frames.length;
  maps += leafMaps;
  return { leaves: Int32Array.from(frames), pfns: leafMaps * fpp, maps, leafMaps, generation };
}
