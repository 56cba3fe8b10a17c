// Find-first-set on an event word held as 32-bit lanes (a 64-bit xen_ulong_t is two lanes,
// low lane first). Math.clz32 stands in for the __ffs/tzcnt the C uses.

/** Index of the lowest set bit >= `from` of the word (lo, hi), or -1 if there is none.
 *  `from` is in [0, 63]; a 32-bit word passes hi = 0. This is MASK_LSBS + __ffs of
 *  torvalds/linux drivers/xen/events/events_2l.c. */
export function ffsFrom(lo: number, hi: number, from: number): number {
  if (from < 32) {
    const m = lo & (-1 << from);
    if (m !== 0) return 31 - Math.clz32(m & -m);
    if (hi !== 0) return 63 - Math.clz32(hi & -hi);
    return -1;
  }
  const m = hi & (-1 << (from - 32));
  return m !== 0 ? 63 - Math.clz32(m & -m) : -1;
}

/** log2 of a word size in bits (5 or 6) */
export function wordShift(wordBits: 32 | 64): number {
  return wordBits === 64 ? 6 : 5;
}
