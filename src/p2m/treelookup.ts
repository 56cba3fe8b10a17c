// The tree kernels of fastlookup.ts: Linux <= 3.18 arch/x86/xen/p2m.c:get_phys_to_machine then
// pfn_to_mfn, for each (guest width, depth), over a stream of pfns and over a run of them.
import { addChunk } from './fastlookup.js';

/** the view of INVALID_P2M_ENTRY for a 64-bit guest (2^52 - 1) as its halves */
const INV_HI = 0xfffff;
/** locator results that are not a lane index */
const BEYOND = -1; // past MAX_P2M_PFN: INVALID_P2M_ENTRY
const IDENT = -2; // an identity leaf: IDENTITY_FRAME(pfn), flags stripped
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
/** the same over the pfns first .. last - 1 (last <= RANGE_END) */
export type TreeRangeKernel = (
  lanes: Uint32Array,
  top: number,
  identity: number,
  first: number,
  last: number,
  acc: Float64Array,
) => void;

/** 64-bit guest, 3 levels: 512 entries a page, MAX_P2M_PFN = 2^27; each entry two lanes */
function at3w64(lanes: Uint32Array, topBase: number, identity: number, pfn: number): number {
  if (pfn >>> 0 >= 0x8000000) return BEYOND;
  const mid = lanes[topBase + ((pfn >>> 18) << 1)]! | 0; // p2m_top[topidx]
  const leaf = lanes[(mid << 10) + (((pfn >>> 9) & 511) << 1)]! | 0; // [mididx]
  return leaf === identity ? IDENT : (leaf << 10) + ((pfn & 511) << 1);
}

/** 64-bit guest, 4 levels: capacity 2^36, so every 32-bit pfn is inside */
function at4w64(lanes: Uint32Array, topBase: number, identity: number, pfn: number): number {
  const upper = lanes[topBase + ((pfn >>> 27) << 1)]! | 0;
  const mid = lanes[(upper << 10) + (((pfn >>> 18) & 511) << 1)]! | 0;
  const leaf = lanes[(mid << 10) + (((pfn >>> 9) & 511) << 1)]! | 0;
  return leaf === identity ? IDENT : (leaf << 10) + ((pfn & 511) << 1);
}

/** 32-bit PAE guest, 3 levels: 1024 entries a page, MAX_P2M_PFN = 2^30; one lane an entry */
function at3w32(lanes: Uint32Array, topBase: number, identity: number, pfn: number): number {
  if (pfn >>> 0 >= 0x40000000) return BEYOND;
  const mid = lanes[topBase + (pfn >>> 20)]! | 0;
  const leaf = lanes[(mid << 10) + ((pfn >>> 10) & 1023)]! | 0;
  return leaf === identity ? IDENT : (leaf << 10) + (pfn & 1023);
}

/** 32-bit PAE guest, 4 levels: capacity 2^40 */
function at4w32(lanes: Uint32Array, topBase: number, identity: number, pfn: number): number {
  const upper = lanes[topBase + (pfn >>> 30)]! | 0;
  const mid = lanes[(upper << 10) + ((pfn >>> 20) & 1023)]! | 0;
  const leaf = lanes[(mid << 10) + ((pfn >>> 10) & 1023)]! | 0;
  return leaf === identity ? IDENT : (leaf << 10) + (pfn & 1023);
}

// The loops. The 64-bit ones add an entry's two lanes: the low lane to sLo with its carries
// counted, the high lane with the flags stripped to sHi. An identity leaf adds the pfn; INVALID
// (a pfn beyond the tree, or an entry of all ones) adds 2^52 - 1, whose low lane is the entry's
// own 0xffffffff. The 32-bit ones add one lane (INVALID, 0xffffffff, passes through). The
// stream and the range loop of a configuration differ only in where pfn comes from.

/** 64-bit guest, 3 levels, over a stream of pfns */
export function tree3w64(
  lanes: Uint32Array,
  top: number,
  identity: number,
  pfns: Uint32Array,
  from: number,
  to: number,
  acc: Float64Array,
): void {
  const topBase = (top | 0) << 10;
  const ident = identity | 0;
  const end = to | 0;
  let sLo = 0;
  let sHi = 0;
  let carry = 0;
  for (let i = from | 0; i < end; i = (i + 1) | 0) {
    const pfn = pfns[i]! | 0;
    const b = at3w64(lanes, topBase, ident, pfn);
    let lo = -1;
    let hi = -1;
    if (b >= 0) {
      lo = lanes[b]! | 0;
      hi = lanes[b | 1]! | 0;
    } else if (b === IDENT) {
      lo = pfn;
      hi = 0;
    }
    const t = (sLo + lo) | 0;
    carry = (carry + (t >>> 0 < lo >>> 0 ? 1 : 0)) | 0;
    sLo = t;
    sHi = (sHi + ((lo & hi) === -1 ? INV_HI : hi & 0x3fffffff)) | 0;
  }
  addChunk(acc, sLo >>> 0, (sHi + carry) >>> 0);
}

/** 64-bit guest, 3 levels, over a run of pfns */
export function tree3w64Range(
  lanes: Uint32Array,
  top: number,
  identity: number,
  first: number,
  last: number,
  acc: Float64Array,
): void {
  const topBase = (top | 0) << 10;
  const ident = identity | 0;
  const end = last | 0;
  let sLo = 0;
  let sHi = 0;
  let carry = 0;
  for (let pfn = first | 0; pfn < end; pfn = (pfn + 1) | 0) {
    const b = at3w64(lanes, topBase, ident, pfn);
    let lo = -1;
    let hi = -1;
    if (b >= 0) {
      lo = lanes[b]! | 0;
      hi = lanes[b | 1]! | 0;
    } else if (b === IDENT) {
      lo = pfn;
      hi = 0;
    }
    const t = (sLo + lo) | 0;
    carry = (carry + (t >>> 0 < lo >>> 0 ? 1 : 0)) | 0;
    sLo = t;
    sHi = (sHi + ((lo & hi) === -1 ? INV_HI : hi & 0x3fffffff)) | 0;
  }
  addChunk(acc, sLo >>> 0, (sHi + carry) >>> 0);
}

/** 64-bit guest, 4 levels, over a stream of pfns */
export function tree4w64(
  lanes: Uint32Array,
  top: number,
  identity: number,
  pfns: Uint32Array,
  from: number,
  to: number,
  acc: Float64Array,
): void {
  const topBase = (top | 0) << 10;
  const ident = identity | 0;
  const end = to | 0;
  let sLo = 0;
  let sHi = 0;
  let carry = 0;
  for (let i = from | 0; i < end; i = (i + 1) | 0) {
    const pfn = pfns[i]! | 0;
    const b = at4w64(lanes, topBase, ident, pfn);
    let lo = -1;
    let hi = -1;
    if (b >= 0) {
      lo = lanes[b]! | 0;
      hi = lanes[b | 1]! | 0;
    } else if (b === IDENT) {
      lo = pfn;
      hi = 0;
    }
    const t = (sLo + lo) | 0;
    carry = (carry + (t >>> 0 < lo >>> 0 ? 1 : 0)) | 0;
    sLo = t;
    sHi = (sHi + ((lo & hi) === -1 ? INV_HI : hi & 0x3fffffff)) | 0;
  }
  addChunk(acc, sLo >>> 0, (sHi + carry) >>> 0);
}

/** 64-bit guest, 4 levels, over a run of pfns */
export function tree4w64Range(
  lanes: Uint32Array,
  top: number,
  identity: number,
  first: number,
  last: number,
  acc: Float64Array,
): void {
  const topBase = (top | 0) << 10;
  const ident = identity | 0;
  const end = last | 0;
  let sLo = 0;
  let sHi = 0;
  let carry = 0;
  for (let pfn = first | 0; pfn < end; pfn = (pfn + 1) | 0) {
    const b = at4w64(lanes, topBase, ident, pfn);
    let lo = -1;
    let hi = -1;
    if (b >= 0) {
      lo = lanes[b]! | 0;
      hi = lanes[b | 1]! | 0;
    } else if (b === IDENT) {
      lo = pfn;
      hi = 0;
    }
    const t = (sLo + lo) | 0;
    carry = (carry + (t >>> 0 < lo >>> 0 ? 1 : 0)) | 0;
    sLo = t;
    sHi = (sHi + ((lo & hi) === -1 ? INV_HI : hi & 0x3fffffff)) | 0;
  }
  addChunk(acc, sLo >>> 0, (sHi + carry) >>> 0);
}

/** 32-bit PAE guest, 3 levels, over a stream of pfns */
export function tree3w32(
  lanes: Uint32Array,
  top: number,
  identity: number,
  pfns: Uint32Array,
  from: number,
  to: number,
  acc: Float64Array,
): void {
  const topBase = (top | 0) << 10;
  const ident = identity | 0;
  const end = to | 0;
  let sLo = 0;
  let carry = 0;
  for (let i = from | 0; i < end; i = (i + 1) | 0) {
    const pfn = pfns[i]! | 0;
    const b = at3w32(lanes, topBase, ident, pfn);
    let e = -1;
    if (b >= 0) e = lanes[b]! | 0;
    else if (b === IDENT) e = pfn;
    const v = e === -1 ? e : e & 0x3fffffff;
    const t = (sLo + v) | 0;
    carry = (carry + (t >>> 0 < v >>> 0 ? 1 : 0)) | 0;
    sLo = t;
  }
  addChunk(acc, sLo >>> 0, carry >>> 0);
}

/** 32-bit PAE guest, 3 levels, over a run of pfns */
export function tree3w32Range(
  lanes: Uint32Array,
  top: number,
  identity: number,
  first: number,
  last: number,
  acc: Float64Array,
): void {
  const topBase = (top | 0) << 10;
  const ident = identity | 0;
  const end = last | 0;
  let sLo = 0;
  let carry = 0;
  for (let pfn = first | 0; pfn < end; pfn = (pfn + 1) | 0) {
    const b = at3w32(lanes, topBase, ident, pfn);
    let e = -1;
    if (b >= 0) e = lanes[b]! | 0;
    else if (b === IDENT) e = pfn;
    const v = e === -1 ? e : e & 0x3fffffff;
    const t = (sLo + v) | 0;
    carry = (carry + (t >>> 0 < v >>> 0 ? 1 : 0)) | 0;
    sLo = t;
  }
  addChunk(acc, sLo >>> 0, carry >>> 0);
}

/** 32-bit PAE guest, 4 levels, over a stream of pfns */
export function tree4w32(
  lanes: Uint32Array,
  top: number,
  identity: number,
  pfns: Uint32Array,
  from: number,
  to: number,
  acc: Float64Array,
): void {
  const topBase = (top | 0) << 10;
  const ident = identity | 0;
  const end = to | 0;
  let sLo = 0;
  let carry = 0;
  for (let i = from | 0; i < end; i = (i + 1) | 0) {
    const pfn = pfns[i]! | 0;
    const b = at4w32(lanes, topBase, ident, pfn);
    let e = -1;
    if (b >= 0) e = lanes[b]! | 0;
    else if (b === IDENT) e = pfn;
    const v = e === -1 ? e : e & 0x3fffffff;
    const t = (sLo + v) | 0;
    carry = (carry + (t >>> 0 < v >>> 0 ? 1 : 0)) | 0;
    sLo = t;
  }
  addChunk(acc, sLo >>> 0, carry >>> 0);
}

/** 32-bit PAE guest, 4 levels, over a run of pfns */
export function tree4w32Range(
  lanes: Uint32Array,
  top: number,
  identity: number,
  first: number,
  last: number,
  acc: Float64Array,
): void {
  const topBase = (top | 0) << 10;
  const ident = identity | 0;
  const end = last | 0;
  let sLo = 0;
  let carry = 0;
  for (let pfn = first | 0; pfn < end; pfn = (pfn + 1) | 0) {
    const b = at4w32(lanes, topBase, ident, pfn);
    let e = -1;
    if (b >= 0) e = lanes[b]! | 0;
    else if (b === IDENT) e = pfn;
    const v = e === -1 ? e : e & 0x3fffffff;
    const t = (sLo + v) | 0;
    carry = (carry + (t >>> 0 < v >>> 0 ? 1 : 0)) | 0;
    sLo = t;
  }
  addChunk(acc, sLo >>> 0, carry >>> 0);
}

/** the kernels for a tree of this width and depth (chosen once, at construction) */
export function treeKernels(width: 32 | 64, depth: number): { stream: TreeKernel; range: TreeRangeKernel } {
  if (depth === 3)
    return width === 64 ? { stream: tree3w64, range: tree3w64Range } : { stream: tree3w32, range: tree3w32Range };
  if (depth === 4)
    return width === 64 ? { stream: tree4w64, range: tree4w64Range } : { stream: tree4w32, range: tree4w32Range };
  throw new RangeError(`no lookup kernel for a tree of depth ${depth} (3 and 4 are modelled)`);
}
