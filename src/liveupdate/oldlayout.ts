// The old Xen's struct page_info as a binary layout: what a transform has to read. Two
// 32-bit words per frame stand for the two words that matter, u.inuse.type_info and
// count_info, with the bit positions of one particular old Xen (type in the top bits,
// then PGT_pinned and PGT_validated, the type count below; PGC_allocated the top bit of
// count_info). A different old Xen puts them elsewhere (PGT_partial, PGT_locked, the
// PGT_count_mask width and the PGC_* bits have moved over the years): every pair of
// (old, new) versions needs its own decoder, which is the maintenance cost Andrew Cooper
// objects to. Here there is exactly one.
import { F_ALLOCATED, F_PINNED, F_VALIDATED, type FrameTable } from './frametable.js';

const TYPE_SHIFT = 28;
const OLD_PGT_VALIDATED = 1 << 27;
const OLD_PGT_PINNED = 1 << 26;
const OLD_COUNT_MASK = (1 << 26) - 1;
const OLD_PGC_ALLOCATED = 0x80000000;

/** sizeof(struct page_info) in the new Xen when it grew (e.g. a new 8-byte field): copied, not rewritten in place */
export const GROWN_PAGE_INFO_BYTES = 40;

export function encodeOld(ft: FrameTable): Uint32Array {
  const w = new Uint32Array(ft.frames * 2);
  for (let f = 0; f < ft.frames; f++) {
    const fl = ft.flags[f]!;
    if (ft.count[f]! > OLD_COUNT_MASK)
      throw new RangeError(`frame ${f}: type count ${ft.count[f]} overflows the old layout`);
    w[2 * f] =
      ((ft.type[f]! << TYPE_SHIFT) |
        (fl & F_VALIDATED ? OLD_PGT_VALIDATED : 0) |
        (fl & F_PINNED ? OLD_PGT_PINNED : 0) |
        ft.count[f]!) >>>
      0;
    w[2 * f + 1] = fl & F_ALLOCATED ? OLD_PGC_ALLOCATED : 0;
  }
  return w;
}

/** the per-frame translation: old type_info / count_info words -> the new Xen's page_info */
export function decodeOld(w: Uint32Array, ft: FrameTable, f: number): void {
  const ti = w[2 * f]!;
  ft.type[f] = ti >>> TYPE_SHIFT;
  ft.count[f] = ti & OLD_COUNT_MASK;
  ft.flags[f] =
    (ti & OLD_PGT_VALIDATED ? F_VALIDATED : 0) |
    (ti & OLD_PGT_PINNED ? F_PINNED : 0) |
    ((w[2 * f + 1]! & OLD_PGC_ALLOCATED) !== 0 ? F_ALLOCATED : 0);
}
