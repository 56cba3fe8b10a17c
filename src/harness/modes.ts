// Whether the workers of one row fall into two speed modes. On this bench's 2-vCPU machines,
// workers of the same code sit either near one speed or near another 50–70% slower (a state
// of the worker, its JIT decisions or array placement, that contention makes more likely);
// the median of such a mixture flips between the modes, and a comparison of two sides with
// different mixtures measures the machine, not the code.
//
// The rule (published here so that a reader can apply it by hand):
// 1. sort the per-worker medians x; with fewer than MIN_WORKERS there is no verdict;
// 2. split them in two where the within-cluster sum of squares is smallest (1-D 2-means,
//    which for sorted data is one of the n-1 cut points), each cluster at least 2 workers:
//    one stray worker is an outlier, not a mode;
// 3. call it a mixture when the clusters' means are at least MIN_REL apart (relative to the
//    lower one) AND at least S(n) = 3 + 12/(n-4) pooled within-cluster standard deviations
//    apart (a separation in the spirit of Ashman's D; the pooled deviation is steadier than
//    per-cluster ones for clusters of two or three).
// S(n) and MIN_REL were chosen by simulation (test/harness/modes.test.ts repeats it): on a
// single normal or log-normal mode with 2–5% worker spread, the rule finds a mixture in
// under 3% of rows for 6–40 workers; on the mixture seen on this bench (6.9 ns against
// 10–12 ns, half the workers slow, 2% spread) it finds it in over 90% of rows with 10 workers.

export const MIN_WORKERS = 6;
export const MIN_REL = 0.15;
export function separationNeeded(n: number): number {
  return 3 + 12 / (n - 4);
}

export interface Modes {
  /** how many workers, and how many fell into the upper (slower) cluster */
  readonly n: number;
  readonly upper: number;
  /** cluster means */
  readonly lo: number;
  readonly hi: number;
  /** the cut between them (the midpoint of the two means) */
  readonly cut: number;
  /** (hi - lo) over the pooled within-cluster standard deviation */
  readonly separation: number;
}

/** The two modes of a row's per-worker medians, or undefined when the rule finds none. */
export function findModes(workerMedians: readonly number[]): Modes | undefined {
  const a = workerMedians.filter((x) => Number.isFinite(x)).sort((p, q) => p - q);
  const n = a.length;
  if (n < MIN_WORKERS) return undefined;
  // prefix sums give each split's within-cluster sum of squares in O(1)
  const s1 = [0];
  const s2 = [0];
  for (const x of a) {
    s1.push(s1.at(-1)! + x);
    s2.push(s2.at(-1)! + x * x);
  }
  const ss = (i: number, j: number) => {
    const k = j - i;
    const s = s1[j]! - s1[i]!;
    return s2[j]! - s2[i]! - (s * s) / k;
  };
  let best: { k: number; ssw: number } | undefined;
  for (let k = 2; k <= n - 2; k++) {
    const ssw = ss(0, k) + ss(k, n);
    if (best === undefined || ssw < best.ssw) best = { k, ssw };
  }
  const { k, ssw } = best!;
  const lo = (s1[k]! - s1[0]!) / k;
  const hi = (s1[n]! - s1[k]!) / (n - k);
  // a floor on the deviation: identical workers (a quantised clock) must not divide by zero
  const sw = Math.max(Math.sqrt(Math.max(0, ssw) / (n - 2)), 1e-6 * Math.abs(lo));
  const separation = (hi - lo) / sw;
  if (!(lo > 0) || (hi - lo) / lo < MIN_REL || separation < separationNeeded(n)) return undefined;
  return { n, upper: n - k, lo, hi, cut: (lo + hi) / 2, separation };
}

/** The CSV's `modes` cell: `N@LO|M@HI` (workers at each cluster mean), '' for none. */
export function modesCell(m: Modes | undefined): string {
  if (m === undefined) return '';
  const f = (x: number) => Number(x.toPrecision(4));
  return `${m.n - m.upper}@${f(m.lo)}|${m.upper}@${f(m.hi)}`;
}
