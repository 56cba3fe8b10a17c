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
// A 64-bit entry is read as its two 32-bit lanes: the flag bits (63, 62) live in the high
// lane, so pfn_to_mfn is `hi & 0x3fffffff` beside the low lane, no float composition. The
// sum is integer work, as the C's uint64 accumulator is: the low lanes in a wrapping 32-bit
// sum with its carries counted, the high lanes in another, folded into a pair of 32-bit
// halves after each chunk (a float accumulator would put a 4-cycle add latency on every
// lookup's critical path). The checksum is the sum of the pfn_to_mfn values (the number view
// of entry.ts, INVALID = 2^52 - 1 for a 64-bit guest) modulo 2^64.
//
// Pfns come as a Uint32Array (every pfn below 2^32); a stream with larger pfns takes
// `genericLookupSum`, which calls the variant's own lookup().
import type { P2m } from './variant.js';

const TWO32 = 4294967296;
/** lookups per chunk: 2^20 low lanes sum below 2^52, so each chunk's sums are exact */
export const CHUNK = 1 << 20;

/** the view of INVALID_P2M_ENTRY for a 64-bit guest (2^52 - 1) as its halves */
const INV_HI = 0xfffff;
const INV_LO = 0xffffffff;

/** acc = [low 32 bits, high 32 bits] of the running sum; add one chunk's sums and carry */
export function addChunk(acc: Float64Array, sLo: number, sHi: number): void {
  const lo = acc[0]! + sLo;
  const carry = Math.floor(lo / TWO32);
  acc[0] = lo - carry * TWO32;
  acc[1] = (acc[1]! + sHi + carry) % TWO32;
}

/** the pair as one number (exact below 2^53; the timed body only needs it as a sink) */
export function pairValue(acc: Float64Array): number {
  return acc[1]! * TWO32 + acc[0]!;
}

/** a kernel sums pfn_to_mfn over pfns[from, to) of the structure rooted at `top` into acc */
export type TreeKernel = (
  lanes: Uint32Array,
  top: number,
  identity: number,
  pfns: Uint32Array,
  from: number,
  to: number,
  acc: Float64Array,
) => void;

/** 64-bit guest, 3 levels: 512 entries a page, MAX_P2M_PFN = 2^27; each entry two lanes */
export function tree3w64(
  lanes: Uint32Array,
  top: number,
  identity: number,
  pfns: Uint32Array,
  from: number,
  to: number,
  acc: Float64Array,
): void {
  let sLo = 0;
  let sHi = 0;
  let carry = 0;
  const topBase = top << 10;
  for (let i = from; i < to; i++) {
    const pfn = pfns[i]!;
    if (pfn >= 0x8000000) {
      // beyond MAX_P2M_PFN: INVALID_P2M_ENTRY
      const t = (sLo + INV_LO) | 0;
      if (t >>> 0 < INV_LO) carry++;
      sLo = t;
      sHi = (sHi + INV_HI) | 0;
      continue;
    }
    const mid = lanes[topBase + ((pfn >>> 18) << 1)]!; // p2m_top[topidx]
    const leaf = lanes[(mid << 10) + (((pfn >>> 9) & 511) << 1)]!; // [mididx]
    if (leaf === identity) {
      // IDENTITY_FRAME(pfn), flags stripped
      const t = (sLo + pfn) | 0;
      if (t >>> 0 < pfn) carry++;
      sLo = t;
      continue;
    }
    const b = (leaf << 10) + ((pfn & 511) << 1);
    const lo = lanes[b]!;
    const hi = lanes[b + 1]!;
    const invalid = (lo & hi) === -1;
    const l = invalid ? INV_LO : lo;
    const t = (sLo + l) | 0;
    if (t >>> 0 < l) carry++;
    sLo = t;
    sHi = (sHi + (invalid ? INV_HI : hi & 0x3fffffff)) | 0;
  }
  addChunk(acc, sLo >>> 0, (sHi + carry) >>> 0);
}

/** 64-bit guest, 4 levels: capacity 2^36, so every 32-bit pfn is inside */
export function tree4w64(
  lanes: Uint32Array,
  top: number,
  identity: number,
  pfns: Uint32Array,
  from: number,
  to: number,
  acc: Float64Array,
): void {
  let sLo = 0;
  let sHi = 0;
  let carry = 0;
  const topBase = top << 10;
  for (let i = from; i < to; i++) {
    const pfn = pfns[i]!;
    const upper = lanes[topBase + ((pfn >>> 27) << 1)]!;
    const mid = lanes[(upper << 10) + (((pfn >>> 18) & 511) << 1)]!;
    const leaf = lanes[(mid << 10) + (((pfn >>> 9) & 511) << 1)]!;
    if (leaf === identity) {
      const t = (sLo + pfn) | 0;
      if (t >>> 0 < pfn) carry++;
      sLo = t;
      continue;
    }
    const b = (leaf << 10) + ((pfn & 511) << 1);
    const lo = lanes[b]!;
    const hi = lanes[b + 1]!;
    const invalid = (lo & hi) === -1;
    const l = invalid ? INV_LO : lo;
    const t = (sLo + l) | 0;
    if (t >>> 0 < l) carry++;
    sLo = t;
    sHi = (sHi + (invalid ? INV_HI : hi & 0x3fffffff)) | 0;
  }
  addChunk(acc, sLo >>> 0, (sHi + carry) >>> 0);
}

/** 32-bit PAE guest, 3 levels: 1024 entries a page, MAX_P2M_PFN = 2^30; one lane an entry */
export function tree3w32(
  lanes: Uint32Array,
  top: number,
  identity: number,
  pfns: Uint32Array,
  from: number,
  to: number,
  acc: Float64Array,
): void {
  let sLo = 0;
  let carry = 0;
  const topBase = top << 10;
  for (let i = from; i < to; i++) {
    const pfn = pfns[i]!;
    if (pfn >= 0x40000000) {
      const t = (sLo + INV_LO) | 0;
      if (t >>> 0 < INV_LO) carry++;
      sLo = t;
      continue;
    }
    const mid = lanes[topBase + (pfn >>> 20)]!;
    const leaf = lanes[(mid << 10) + ((pfn >>> 10) & 1023)]!;
    if (leaf === identity) {
      const t = (sLo + pfn) | 0;
      if (t >>> 0 < pfn) carry++;
      sLo = t;
      continue;
    }
    const e = lanes[(leaf << 10) + (pfn & 1023)]!;
    const v = e === INV_LO ? e : e & 0x3fffffff;
    const t = (sLo + v) | 0;
    if (t >>> 0 < v) carry++;
    sLo = t;
  }
  addChunk(acc, sLo >>> 0, carry);
}

/** 32-bit PAE guest, 4 levels: capacity 2^40 */
export function tree4w32(
  lanes: Uint32Array,
  top: number,
  identity: number,
  pfns: Uint32Array,
  from: number,
  to: number,
  acc: Float64Array,
): void {
  let sLo = 0;
  let carry = 0;
  const topBase = top << 10;
  for (let i = from; i < to; i++) {
    const pfn = pfns[i]!;
    const upper = lanes[topBase + (pfn >>> 30)]!;
    const mid = lanes[(upper << 10) + ((pfn >>> 20) & 1023)]!;
    const leaf = lanes[(mid << 10) + ((pfn >>> 10) & 1023)]!;
    if (leaf === identity) {
      const t = (sLo + pfn) | 0;
      if (t >>> 0 < pfn) carry++;
      sLo = t;
      continue;
    }
    const e = lanes[(leaf << 10) + (pfn & 1023)]!;
    const v = e === INV_LO ? e : e & 0x3fffffff;
    const t = (sLo + v) | 0;
    if (t >>> 0 < v) carry++;
    sLo = t;
  }
  addChunk(acc, sLo >>> 0, carry);
}

/** the kernel for a tree of this width and depth (chosen once, at construction) */
export function treeKernel(width: 32 | 64, depth: number): TreeKernel {
  if (depth === 3) return width === 64 ? tree3w64 : tree3w32;
  if (depth === 4) return width === 64 ? tree4w64 : tree4w32;
  throw new RangeError(`no lookup kernel for a tree of depth ${depth} (3 and 4 are modelled)`);
}

/** the linear list's slow path, get_phys_to_machine: the variant's own lookup */
export interface SlowLookup {
  lookup(pfn: number): number;
}

/**
 * the list (64-bit guests): one load of xen_p2m_addr[pfn]. Over the builder's contiguous
 * run [0, runEnd) the entry is at runBase + 2·pfn; above it the frame comes from `leafOf`
 * (the MMU's view of the list, one frame per page of it). INVALID, or a pfn at or beyond
 * xen_p2m_size, calls out to the slow path.
 */
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
  let sLo = 0;
  let sHi = 0;
  let carry = 0;
  for (let i = from; i < to; i++) {
    const pfn = pfns[i]!;
    // runEnd <= size: inside the run one compare; xen_p2m_size is checked above it
    const b = pfn < runEnd ? runBase + (pfn << 1) : pfn < size ? (leafOf[pfn >>> 9]! << 10) + ((pfn & 511) << 1) : -1;
    if (b >= 0) {
      const lo = lanes[b]!;
      const hi = lanes[b + 1]!;
      if ((lo & hi) !== -1) {
        const t = (sLo + lo) | 0;
        if (t >>> 0 < lo) carry++;
        sLo = t;
        sHi = (sHi + (hi & 0x3fffffff)) | 0;
        continue;
      }
    }
    const v = slow.lookup(pfn); // unlikely: get_phys_to_machine
    const h = Math.floor(v / TWO32);
    const l = v - h * TWO32;
    const t = (sLo + l) | 0;
    if (t >>> 0 < l) carry++;
    sLo = t;
    sHi = (sHi + h) | 0;
  }
  addChunk(acc, sLo >>> 0, (sHi + carry) >>> 0);
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
    const to = Math.min(n, from + CHUNK);
    let sLo = 0;
    let carry = 0;
    for (let i = from; i < to; i++) {
      const pfn = pfns[i]!;
      const t = (sLo + pfn) | 0;
      if (t >>> 0 < pfn) carry++;
      sLo = t;
    }
    addChunk(acc, sLo >>> 0, carry);
  }
  return pairValue(acc);
}
