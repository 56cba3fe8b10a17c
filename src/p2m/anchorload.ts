// The anchor load (`load=anchor,order=seq|random`, layout=dense): the stream a plain C
// transliteration of the two lookups (get_phys_to_machine of the 3-level tree, __pfn_to_mfn of
// the linear list) runs, so that hvbench and C time the same lookups. Every pfn of the dense
// guest is first set to mfn = pfn ^ 0x5a5a5a (the guest's p2m as a domain builder would have
// written it), then npfn lookups: pfn 0, 1, ..., npfn-1 (`seq`) or xorshift64(s) % npfn with s
// seeded 42 (`random`, Marsaglia's xorshift64 with shifts 13, 7, 17). The stream does not
// depend on the case seed: it is the anchors' fixed stream. Not in the default grid: a 16 GiB
// guest's load is 8 M operations.
import type { Layout } from './layout.js';

export const ANCHOR_ORDERS = ['seq', 'random'] as const;
export type AnchorOrder = (typeof ANCHOR_ORDERS)[number];

/** the anchors' mfn of a pfn */
export function anchorMfn(pfn: number): number {
  return (pfn ^ 0x5a5a5a) >>> 0;
}

/**
 * n values of xorshift64(s) % m, s seeded 42, computed on two 32-bit halves (the 64-bit
 * shifts split across them). The remainder of hi·2^32 + lo is taken as
 * ((hi mod m)·(2^32 mod m) + lo mod m) mod m, exact while m < 2^26; larger m uses BigInt.
 */
export function xorshiftIndices(n: number, m: number): Uint32Array {
  if (!(Number.isInteger(m) && m > 0 && m <= 2 ** 32))
    throw new RangeError(`xorshiftIndices: modulus ${m} not in [1, 2^32]`);
  const out = new Uint32Array(n);
  let hi = 0;
  let lo = 42;
  const exact = m < 2 ** 26;
  const twoTo32ModM = 2 ** 32 % m;
  for (let i = 0; i < n; i++) {
    // x ^= x << 13
    let h = (hi ^ ((hi << 13) | (lo >>> 19))) >>> 0;
    let l = (lo ^ (lo << 13)) >>> 0;
    // x ^= x >> 7
    l = (l ^ ((l >>> 7) | (h << 25))) >>> 0;
    h = (h ^ (h >>> 7)) >>> 0;
    // x ^= x << 17
    hi = (h ^ ((h << 17) | (l >>> 15))) >>> 0;
    lo = (l ^ (l << 17)) >>> 0;
    out[i] = exact ? ((hi % m) * twoTo32ModM + (lo % m)) % m : Number(((BigInt(hi) << 32n) | BigInt(lo)) % BigInt(m));
  }
  return out;
}

/** the operation stream of the anchor load, as typed arrays (ops: 0 lookup, 1 set) */
export function anchorStream(
  layout: Layout,
  order: AnchorOrder,
): { ops: Uint8Array; pfns: Float64Array; values: Float64Array } {
  const r = layout.ranges[0];
  if (layout.ranges.length !== 1 || r === undefined || r.start !== 0 || r.end !== layout.span || r.kind !== 'ram')
    throw new Error('p2m: load=anchor needs layout=dense (one RAM range over the whole guest)');
  const npfn = layout.span;
  const ops = new Uint8Array(2 * npfn);
  const pfns = new Float64Array(2 * npfn);
  const values = new Float64Array(2 * npfn);
  ops.fill(1, 0, npfn);
  for (let pfn = 0; pfn < npfn; pfn++) {
    pfns[pfn] = pfn;
    values[pfn] = anchorMfn(pfn);
  }
  if (order === 'seq') for (let i = 0; i < npfn; i++) pfns[npfn + i] = i;
  else pfns.set(xorshiftIndices(npfn, npfn), npfn);
  return { ops, pfns, values };
}
