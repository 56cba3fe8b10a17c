// transform: carry struct page_info itself (Jan Beulich's proposal): the new Xen reads the
// old Xen's frame table and translates every entry into its own layout, in place when the
// two structures have the same size, by copying into a new array otherwise. One linear pass
// over the frames, no validation at all. What it costs that no benchmark shows: the decoder
// (oldlayout.ts) is specific to one (old Xen, new Xen) pair, so every pair of versions a host
// may update between needs its own, built into the new Xen and kept in step with the old
// one's internals (Andrew Cooper: "a binary A=>B translation which is per-old-version-of-xen").
import { PAGE_INFO_BYTES } from './frametable.js';
import { decodeOld, GROWN_PAGE_INFO_BYTES } from './oldlayout.js';
import { W_BYTES_CARRIED, W_BYTES_COPIED, W_FRAMES_CARRIED } from './typeref.js';
import { runCompleteGuest, type HybridPolicy, type UpdateOutcome, type UpdateRun } from './variant.js';

export const name = 'transform';
export const summary = "carry the old Xen's page_info, translated per frame (in place if the sizes match, else copied)";

/** no hybrid shadow mode: the guest runs only once every page_info is carried */
export const hybrid: HybridPolicy | null = null;

export function update(run: UpdateRun): UpdateOutcome {
  const { h, ft, work } = run;
  const w = h.oldFrameTable;
  const n = h.frames;
  for (let f = 0; f < n; f++) decodeOld(w, ft, f);
  work[W_FRAMES_CARRIED]! += n;
  work[W_BYTES_CARRIED]! += n * PAGE_INFO_BYTES;
  if (h.layout === 'grown') work[W_BYTES_COPIED]! += n * GROWN_PAGE_INFO_BYTES;
  run.resume();
  runCompleteGuest(run);
  return { unvalidatedAtShadowOff: -1 };
}
