// The timed lookup path under the gate. runGate compares every operation's result with the
// reference through the variant's generic lookup(); the timed body runs the variant's
// specialised kernel (fastlookup.ts) instead, so the gate also compares that kernel's
// checksum over the load's lookups, on the state the whole load leaves (the state the timed
// body runs on), with the reference's. A kernel bug is then a gate failure, never a timing.
import type { Gate } from '../harness/kit.js';
import { genericLookupSum } from './fastlookup.js';
import { referenceFor, runGate } from './gate.js';
import { lookupPfns, OP_SET, type P2mLoad } from './load.js';
import { CapacityError, type P2m } from './variant.js';

/** the load's lookup pfns, and the same as a Uint32Array for the kernels when every one is below 2^32 */
export interface LookupStream {
  readonly pfns: Float64Array;
  readonly narrow: Uint32Array | null;
}

export function lookupStream(load: P2mLoad): LookupStream {
  const pfns = lookupPfns(load);
  let fits = true;
  for (let i = 0; i < pfns.length; i++) if (pfns[i]! >= 4294967296) fits = false;
  return { pfns, narrow: fits ? Uint32Array.from(pfns) : null };
}

/** the timed body's checksum: the kernel where the pfns fit in 32 bits, the generic lookup() otherwise */
export function streamSum(p: P2m, s: LookupStream, acc: Float64Array): number {
  return s.narrow !== null
    ? p.lookupSum(s.narrow, s.narrow.length, acc)
    : genericLookupSum(p, s.pfns, s.pfns.length, acc);
}

/** the pair [lo, hi] as one exact decimal string */
export function formatSum(acc: Float64Array): string {
  return String((BigInt(acc[1]!) << 32n) + BigInt(acc[0]!));
}

/** runGate, then the timed path's checksum against the reference's on the final state */
export function gateWithLookupSum(p: P2m, load: P2mLoad): Gate {
  const g = runGate(p, load);
  if (!g.ok) return g;
  const ref = referenceFor(p, load.layout);
  for (let i = 0; i < load.ops.length; i++) {
    if (load.ops[i] !== OP_SET) continue;
    try {
      ref.set(load.pfns[i]!, load.values[i]!);
    } catch (e) {
      if (!(e instanceof CapacityError)) throw e; // refused beyond capacity, as runGate saw both refuse
    }
  }
  const s = lookupStream(load);
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
