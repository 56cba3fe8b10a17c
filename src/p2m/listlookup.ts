// The list kernels of fastlookup.ts: Linux >= 3.19 arch/x86/include/asm/xen/page.h:__pfn_to_mfn
// for a 64-bit guest, over a stream of pfns and over a run of them.
import { addChunk, addValue, RANGE_END, type SlowLookup } from './fastlookup.js';

/**
 * the list (64-bit guests): one load of xen_p2m_addr[pfn]. Over the builder's contiguous
 * run [0, runEnd) the entry is at runBase + 2·pfn; above it the frame comes from `leafOf`
 * (the MMU's view of the list, one frame per page of it). -1: a pfn at or beyond
 * xen_p2m_size, which (like an INVALID entry) calls out to the slow path.
 */
function atList(runBase: number, runEnd: number, leafOf: Int32Array, size: number, pfn: number): number {
  // runEnd <= size: inside the run one compare; xen_p2m_size is checked above it
  if (pfn < runEnd) return runBase + (pfn << 1);
  return pfn < size ? (leafOf[pfn >>> 9]! << 10) + ((pfn & 511) << 1) : -1;
}

/** the list over a stream of pfns (each below 2^32, read as uint32) */
export function listW64(
  lanes: Uint32Array,
  runBase: number,
  runEnd: number,
  leafOf: Int32Array,
  size: number,
  slow: SlowLookup,
  pfns: Uint32Array,
  from: number,
  to: number,
  acc: Float64Array,
): void {
  const base = runBase | 0;
  const run = Math.min(runEnd, 0xffffffff) >>> 0; // pfns are uint32: bounds clamped to 2^32 - 1
  const limit = Math.min(size, 0xffffffff) >>> 0;
  const end = to | 0;
  let sLo = 0;
  let sHi = 0;
  let carry = 0;
  for (let i = from | 0; i < end; i = (i + 1) | 0) {
    const pfn = pfns[i]!;
    const b = atList(base, run, leafOf, limit, pfn);
    if (b >= 0) {
      const lo = lanes[b]! | 0;
      const hi = lanes[b | 1]! | 0;
      if ((lo & hi) !== -1) {
        const t = (sLo + lo) | 0;
        carry = (carry + (t >>> 0 < lo >>> 0 ? 1 : 0)) | 0;
        sLo = t;
        sHi = (sHi + (hi & 0x3fffffff)) | 0;
        continue;
      }
    }
    addValue(acc, slow.lookup(pfn)); // unlikely: get_phys_to_machine
  }
  addChunk(acc, sLo >>> 0, (sHi + carry) >>> 0);
}

/**
 * the list over the pfns first .. last - 1 (last <= RANGE_END), in two loops: the part inside
 * the builder's run, where the entry of pfn + 1 is the one after pfn's (b steps by 2, no
 * per-pfn test of where it lies: the loop bound is that test), then the rest above the run
 * through atList. The loads are the same as the one loop's.
 */
export function listW64Range(
  lanes: Uint32Array,
  runBase: number,
  runEnd: number,
  leafOf: Int32Array,
  size: number,
  slow: SlowLookup,
  first: number,
  last: number,
  acc: Float64Array,
): void {
  const base = runBase | 0;
  const run = Math.min(runEnd, RANGE_END) | 0; // pfns stay below RANGE_END: bounds clamped to it
  const limit = Math.min(size, RANGE_END) | 0;
  const end = last | 0;
  const stop = Math.min(end, run) | 0;
  let sLo = 0;
  let sHi = 0;
  let carry = 0;
  let pfn = first | 0;
  for (let b = (base + 2 * pfn) | 0; pfn < stop; pfn = (pfn + 1) | 0, b = (b + 2) | 0) {
    const lo = lanes[b]! | 0;
    const hi = lanes[b | 1]! | 0;
    if ((lo & hi) !== -1) {
      const t = (sLo + lo) | 0;
      carry = (carry + (t >>> 0 < lo >>> 0 ? 1 : 0)) | 0;
      sLo = t;
      sHi = (sHi + (hi & 0x3fffffff)) | 0;
      continue;
    }
    addValue(acc, slow.lookup(pfn)); // INVALID inside the run: get_phys_to_machine
  }
  for (; pfn < end; pfn = (pfn + 1) | 0) {
    const b = atList(base, run, leafOf, limit, pfn);
    if (b >= 0) {
      const lo = lanes[b]! | 0;
      const hi = lanes[b | 1]! | 0;
      if ((lo & hi) !== -1) {
        const t = (sLo + lo) | 0;
        carry = (carry + (t >>> 0 < lo >>> 0 ? 1 : 0)) | 0;
        sLo = t;
        sHi = (sHi + (hi & 0x3fffffff)) | 0;
        continue;
      }
    }
    addValue(acc, slow.lookup(pfn));
  }
  addChunk(acc, sLo >>> 0, (sHi + carry) >>> 0);
}
