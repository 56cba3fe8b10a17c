// The timed lookup path under the gate. runGate compares every operation's result with the
// reference through the variant's generic lookup(); the timed body runs the variant's
// specialised kernel (fastlookup.ts) instead, so the gate also compares that kernel's
// checksum over the load's lookups, on the state the whole load leaves (the state the timed
// body runs on), with the reference's. A kernel bug is then a gate failure, never a timing.
import type { Gate } from '../harness/kit.js';
import { genericLookupSum, RANGE_END } from './fastlookup.js';
import { referenceFor, runGate } from './gate.js';
import { lookupPfns, type P2mLoad } from './load.js';
import type { P2m } from './variant.js';

/**
 * the load's lookup pfns; the same as a Uint32Array for the kernels when every one is below
 * 2^32; and `first` when they are the run first, first + 1, ... (below RANGE_END), which the
 * range kernels walk without reading the array
 */
export interface LookupStream {
  readonly pfns: Float64Array;
  readonly narrow: Uint32Array | null;
  readonly first: number | null;
}

export function lookupStream(load: P2mLoad): LookupStream {
  const pfns = lookupPfns(load);
  let fits = true;
  let run = pfns.length > 0 && pfns[0]! + pfns.length <= RANGE_END;
  for (let i = 0; i < pfns.length; i++) {
    if (pfns[i]! >= 4294967296) fits = false;
    if (pfns[i] !== pfns[0]! + i) run = false;
  }
  return { pfns, narrow: fits ? Uint32Array.from(pfns) : null, first: run ? pfns[0]! : null };
}

/** the timed body's checksum: a range or stream kernel where the pfns fit in 32 bits, the generic lookup() otherwise */
export function streamSum(p: P2m, s: LookupStream, acc: Float64Array): number {
  if (s.first !== null) return p.lookupRangeSum(s.first, s.pfns.length, acc);
  return s.narrow !== null
    ? p.lookupSum(s.narrow, s.narrow.length, acc)
    : genericLookupSum(p, s.pfns, s.pfns.length, acc);
}

/** the pair [lo, hi] as one exact decimal string */
export function formatSum(acc: Float64Array): string {
  return String((BigInt(acc[1]!) << 32n) + BigInt(acc[0]!));
}

/** runGate, then the timed path's checksum over the stream `s` against the reference's on the final state */
export function gateWithLookupSum(p: P2m, load: P2mLoad, s: LookupStream): Gate {
  const ref = referenceFor(p, load.layout);
  const g = runGate(p, load, ref); // leaves ref in the state the whole load builds
  if (!g.ok) return g;
  const want = new Float64Array(2);
  const got = new Float64Array(2);
  genericLookupSum(ref, s.pfns, s.pfns.length, want);
  streamSum(p, s, got);
  if (want[0] !== got[0] || want[1] !== got[1])
    return {
      ok: false,
      at: load.ops.length,
      expected: `timed lookup path: sum of pfn_to_mfn over the ${s.pfns.length} lookups = ${formatSum(want)}`,
      actual: `${formatSum(got)}`,
    };
  return g; // `checked` counts the replay's observations (a golden counter); the checksum adds none
}
