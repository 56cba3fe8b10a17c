// The timed lookup path: pfn_to_mfn over a stream of pfns, summed, one kernel per
// configuration so that nothing generic is left in the loop. The generic `lookup()` of each
// variant (any pfn, any width and depth, read through shifts held in fields) is what the gate
// checks against the reference; these kernels do the same loads as the kernel's code, with
// the page geometry as constants:
//   tree   Linux <= 3.18 arch/x86/xen/p2m.c:get_phys_to_machine (top -> [upper ->] mid ->
//          leaf, the identity leaf recognised by its pointer), then pfn_to_mfn
//   list   Linux >= 3.19 arch/x86/include/asm/xen/page.h:__pfn_to_mfn (one load of the
//          virtually mapped list; INVALID or beyond xen_p2m_size takes the slow path)
//
// Each configuration has a small locator (`at*`: the loads down to the entry, returning its
// lane index) and two loops around it: one over a stream of pfns (a Uint32Array, the random
// and replayed loads) and one over a run of consecutive pfns, the way a walk in pfn order reads
// no index array (the C anchors' `seq` loop counts pfn itself). TurboFan inlines the locator,
// so each loop is one straight-line body.
//
// A 64-bit entry is read as its two 32-bit lanes: the flag bits (63, 62) live in the high
// lane, so pfn_to_mfn is `hi & 0x3fffffff` beside the low lane, no float composition. The
// sum is integer work, as the C's uint64 accumulator is: the low lanes in a wrapping 32-bit
// sum with its carries counted, the high lanes in another, folded into a pair of 32-bit
// halves after each chunk (a float accumulator would put a 4-cycle add latency on every
// lookup's critical path). The checksum is the sum of the pfn_to_mfn values (the number view
// of entry.ts, INVALID = 2^52 - 1 for a 64-bit guest) modulo 2^64.
//
// Every argument is narrowed to an int32 (`| 0`) before the loop: TurboFan then keeps it
// untagged in a register instead of re-checking a tagged value on every iteration, and the
// high lane is read at `b | 1` (b is even), an index with no overflow check.
//
// The kernels themselves are in treelookup.ts and listlookup.ts; this file holds what they
// share: the chunked 64-bit sum, the generic path and the empty twins.
import type { P2m } from './variant.js';

export const TWO32 = 4294967296;
/** lookups per chunk: 2^20 low lanes sum below 2^52, so each chunk's sums are exact */
export const CHUNK = 1 << 20;
/** a run of pfns takes the range loops while its end (exclusive) is an int32 loop bound */
export const RANGE_END = 2 ** 31 - 1;

/** acc = [low 32 bits, high 32 bits] of the running sum; add one chunk's sums and carry */
export function addChunk(acc: Float64Array, sLo: number, sHi: number): void {
  const lo = acc[0]! + sLo;
  const carry = Math.floor(lo / TWO32);
  acc[0] = lo - carry * TWO32;
  acc[1] = (acc[1]! + sHi + carry) % TWO32;
}

/** adds one lookup's value (an integer below 2^53) to the pair: the kernels' slow path, off the loop's own sums */
export function addValue(acc: Float64Array, v: number): void {
  const h = Math.floor(v / TWO32);
  addChunk(acc, v - h * TWO32, h);
}

/** the pair as one number (exact below 2^53; the timed body only needs it as a sink) */
export function pairValue(acc: Float64Array): number {
  return acc[1]! * TWO32 + acc[0]!;
}

/** the linear list's slow path, get_phys_to_machine, and the generic path's lookup */
export interface SlowLookup {
  lookup(pfn: number): number;
}

/** the same checksum through the variant's generic lookup(): pfns of any size, and the reference path of the tests */
export function genericLookupSum(p: P2m | SlowLookup, pfns: ArrayLike<number>, n: number, acc: Float64Array): number {
  acc[0] = 0;
  acc[1] = 0;
  for (let from = 0; from < n; from += CHUNK) {
    const to = Math.min(n, from + CHUNK);
    let sLo = 0;
    let sHi = 0;
    for (let i = from; i < to; i++) {
      const v = p.lookup(pfns[i]!);
      const h = Math.floor(v / TWO32);
      sLo += v - h * TWO32;
      sHi += h;
    }
    addChunk(acc, sLo, sHi);
  }
  return pairValue(acc);
}

/** The timed lookup's empty twin: the same chunked walk over the same pfns, summed as the
 *  kernels sum mfns, with no p2m behind it (what the loop and the harness cost a lookup). */
export function emptySum(pfns: Uint32Array, n: number, acc: Float64Array): number {
  acc[0] = 0;
  acc[1] = 0;
  for (let from = 0; from < n; from += CHUNK) {
    const end = Math.min(n, from + CHUNK) | 0;
    let sLo = 0;
    let carry = 0;
    for (let i = from | 0; i < end; i = (i + 1) | 0) {
      const pfn = pfns[i]! | 0;
      const t = (sLo + pfn) | 0;
      carry = (carry + (t >>> 0 < pfn >>> 0 ? 1 : 0)) | 0;
      sLo = t;
    }
    addChunk(acc, sLo >>> 0, carry >>> 0);
  }
  return pairValue(acc);
}

/** emptySum over the run first .. first + n - 1, as the range kernels walk it */
export function emptyRangeSum(first: number, n: number, acc: Float64Array): number {
  acc[0] = 0;
  acc[1] = 0;
  for (let from = first; from < first + n; from += CHUNK) {
    const end = Math.min(first + n, from + CHUNK) | 0;
    let sLo = 0;
    let carry = 0;
    for (let pfn = from | 0; pfn < end; pfn = (pfn + 1) | 0) {
      const t = (sLo + pfn) | 0;
      carry = (carry + (t >>> 0 < pfn >>> 0 ? 1 : 0)) | 0;
      sLo = t;
    }
    addChunk(acc, sLo >>> 0, carry >>> 0);
  }
  return pairValue(acc);
}
