// Whether the two sides of a row have the same mixture of worker speed modes. If one side's
// workers sat mostly in the slow mode and the other's mostly in the fast one, the ratio of
// their medians is the machine's doing, not the code's: the false A/A alarm of docs/ci.md
// (8 of 10 head workers slow, 2 of 10 base workers) is exactly that. Modes are found on each
// side separately (src/harness/modes.ts), never on the two sides pooled: a real shift would
// make the pooled workers look like two clusters.
import { findModes, type Modes } from '../harness/modes.js';

/** Two-sided Fisher exact test of a 2×2 table [[a, b], [c, d]] (sum of tables no likelier). */
export function fisherExact(a: number, b: number, c: number, d: number): number {
  const r1 = a + b;
  const r2 = c + d;
  const c1 = a + c;
  const n = r1 + r2;
  const lf = logFactorials(n);
  const logP = (x: number) =>
    lf[r1]! + lf[r2]! + lf[c1]! + lf[n - c1]! - lf[n]! - lf[x]! - lf[r1 - x]! - lf[c1 - x]! - lf[r2 - c1 + x]!;
  const observed = logP(a);
  let p = 0;
  for (let x = Math.max(0, c1 - r2); x <= Math.min(r1, c1); x++) {
    const lp = logP(x);
    if (lp <= observed + 1e-9) p += Math.exp(lp);
  }
  return Math.min(1, p);
}

function logFactorials(n: number): number[] {
  const out = [0];
  for (let i = 1; i <= n; i++) out.push(out[i - 1]! + Math.log(i));
  return out;
}

/** Fisher p below which the two sides' shares of slow-mode workers are called different. */
export const MIXTURE_P = 0.1;

export interface MixtureComparison {
  readonly base: Modes | undefined;
  readonly head: Modes | undefined;
  /** workers above the cut on each side, out of how many */
  readonly counts: readonly [number, number, number, number] | undefined;
  readonly p: number;
  readonly differs: boolean;
  /** what a reader is told, e.g. "slow mode (+55%): base 2 of 10 workers, head 8 of 10" */
  readonly text: string;
}

/**
 * Compares the sides' mode mixtures from their per-worker medians. A side with a mixture
 * classifies its own workers by its own cut (a real shift of the code moves both modes, not
 * the share); a side without one is classified by the other side's cut.
 */
export function compareMixtures(base: readonly number[], head: readonly number[]): MixtureComparison {
  const mb = findModes(base);
  const mh = findModes(head);
  if (mb === undefined && mh === undefined) {
    return { base: mb, head: mh, counts: undefined, p: 1, differs: false, text: '' };
  }
  const above = (xs: readonly number[], cut: number) => xs.filter((x) => x > cut).length;
  const kb = mb ? mb.upper : above(base, mh!.cut);
  const kh = mh ? mh.upper : above(head, mb!.cut);
  const nb = base.length;
  const nh = head.length;
  const p = fisherExact(kb, nb - kb, kh, nh - kh);
  const m = (mb ?? mh)!;
  const text = `slow mode (+${Math.round((m.hi / m.lo - 1) * 100)}%): base ${kb} of ${nb} workers, head ${kh} of ${nh}`;
  return { base: mb, head: mh, counts: [kb, nb, kh, nh], p, differs: p < MIXTURE_P, text };
}
