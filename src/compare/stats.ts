// The statistics compare relies on, kept small and tested against textbook values
// (test/compare/stats.test.ts). No npm package offered a maintained Mann-Whitney U with tie
// correction and exact small-sample p-values (simple-statistics returns only the rank sum,
// jstat has no rank tests), so they are written here.
//
// Why these methods: benchmark timings are skewed and heavy-tailed (GC pauses, interrupts),
// so means and t-tests are pulled by a few outliers. Rank tests and medians are not. This is
// what benchstat and asv settled on.
import { Rng } from '../harness/rng.js';

/** Median of a sample (average of the two middle values for even n). NaN for empty input. */
export function median(xs: ArrayLike<number>): number {
  const n = xs.length;
  if (n === 0) return NaN;
  const a = Float64Array.from(xs).sort();
  const h = n >> 1;
  return n % 2 === 1 ? a[h]! : (a[h - 1]! + a[h]!) / 2;
}

/** Median of a Float64Array, reordering it in place (quickselect: the bootstrap's hot path). */
function medianInPlace(a: Float64Array, n: number): number {
  const h = n >> 1;
  const hi = select(a, n, h);
  if (n % 2 === 1) return hi;
  // after select, every element left of h is <= a[h]: the lower middle is their maximum
  let lo = -Infinity;
  for (let i = 0; i < h; i++) if (a[i]! > lo) lo = a[i]!;
  return (lo + hi) / 2;
}

/** k-th smallest (0-based) of a[0..n), Hoare quickselect, partially reordering a. */
function select(a: Float64Array, n: number, k: number): number {
  let l = 0;
  let r = n - 1;
  while (l < r) {
    const pivot = a[(l + r) >> 1]!;
    let i = l;
    let j = r;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i] = a[j]!;
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) r = j;
    else if (k >= i) l = i;
    else return a[k]!;
  }
  return a[k]!;
}

/**
 * Complementary error function, Numerical Recipes' Chebyshev fit (`erfcc`): fractional error
 * below 1.2e-7 everywhere, and it stays accurate in the far tail, where 1 - erf(x) would
 * cancel to zero and turn every large difference into p = 0.
 */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/** Standard normal upper tail P(Z > z). */
export function normalSf(z: number): number {
  return 0.5 * erfc(z / Math.SQRT2);
}

/**
 * Standard normal quantile (Acklam's rational approximation, relative error < 1.2e-9),
 * used for the z of a confidence level.
 */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`normalQuantile needs 0 < p < 1, got ${p}`);
  const a = [
    -3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1,
    2.506628277459239,
  ];
  const b = [
    -5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1,
  ];
  const c = [
    -7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968,
    2.938163982698783,
  ];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const pl = 0.02425;
  if (p < pl) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (
      (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) /
      ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1)
    );
  }
  if (p > 1 - pl) return -normalQuantile(1 - p);
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) /
    (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1)
  );
}

/** Midranks (1-based; tied values share the average of their ranks) of x followed by y. */
function midranks(all: Float64Array): { ranks: Float64Array; tieTerm: number; ties: boolean } {
  const n = all.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => all[i]! - all[j]!);
  const ranks = new Float64Array(n);
  let tieTerm = 0; // Σ (t³ - t) over tie groups
  let ties = false;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && all[order[j + 1]!] === all[order[i]!]) j++;
    const t = j - i + 1;
    const r = (i + j + 2) / 2;
    for (let k = i; k <= j; k++) ranks[order[k]!] = r;
    if (t > 1) {
      ties = true;
      tieTerm += t * t * t - t;
    }
    i = j + 1;
  }
  return { ranks, tieTerm, ties };
}

export interface MwuResult {
  /** U of the first sample: the number of pairs (x, y) with x > y, ties counting one half */
  readonly u: number;
  /** two-sided p-value */
  readonly p: number;
  /** true when p comes from the exact permutation distribution, false for the normal approximation */
  readonly exact: boolean;
}

/** Largest pooled sample for which the exact distribution is computed (cost ~ n1·N³). */
export const MWU_EXACT_MAX = 60;

/**
 * Two-sided Mann-Whitney U (Wilcoxon rank-sum) test.
 *
 * Small samples (n1 + n2 <= MWU_EXACT_MAX) get the exact permutation distribution of the
 * rank sum, conditional on the observed ties (midranks), so that the p-value is right even
 * for the n = 5 vs 5 a quick run produces. Larger samples use the normal approximation with
 * the tie correction of the variance and a continuity correction, as scipy does.
 */
export function mannWhitneyU(x: ArrayLike<number>, y: ArrayLike<number>): MwuResult {
  const n1 = x.length;
  const n2 = y.length;
  if (n1 === 0 || n2 === 0) throw new RangeError('mannWhitneyU needs two non-empty samples');
  const N = n1 + n2;
  const all = new Float64Array(N);
  for (let i = 0; i < n1; i++) all[i] = x[i]!;
  for (let j = 0; j < n2; j++) all[n1 + j] = y[j]!;
  const { ranks, tieTerm } = midranks(all);
  let r1 = 0;
  for (let i = 0; i < n1; i++) r1 += ranks[i]!;
  const u = r1 - (n1 * (n1 + 1)) / 2;
  if (N <= MWU_EXACT_MAX) return { u, p: exactP(ranks, n1, r1), exact: true };
  const mu = (n1 * n2) / 2;
  const variance = ((n1 * n2) / 12) * (N + 1 - tieTerm / (N * (N - 1)));
  if (variance <= 0) return { u, p: 1, exact: false }; // every value tied: no evidence at all
  const z = Math.max(0, Math.abs(u - mu) - 0.5) / Math.sqrt(variance);
  return { u, p: Math.min(1, 2 * normalSf(z)), exact: false };
}

/**
 * Exact two-sided p of the rank sum r1 of the first n1 of N midranks: the share of all
 * C(N, n1) ways to pick n1 ranks whose sum is at least as far from its mean. Midranks are
 * doubled to integers so that the distribution is a plain subset-sum count.
 */
function exactP(ranks: Float64Array, n1: number, r1: number): number {
  const N = ranks.length;
  const w = Array.from(ranks, (r) => Math.round(2 * r));
  const maxSum = w.reduce((s, v) => s + v, 0);
  // f[k][s]: number of k-subsets of the items seen so far with doubled-rank sum s (as doubles:
  // C(60, 30) ≈ 1.2e17 exceeds 2^53 but only the ratio matters, to 1e-16)
  let f: Float64Array[] = Array.from({ length: n1 + 1 }, () => new Float64Array(maxSum + 1));
  f[0]![0] = 1;
  for (let i = 0; i < N; i++) {
    const wi = w[i]!;
    for (let k = Math.min(i + 1, n1); k >= 1; k--) {
      const dst = f[k]!;
      const src = f[k - 1]!;
      for (let s = maxSum; s >= wi; s--) dst[s]! += src[s - wi]!;
    }
  }
  const dist = f[n1]!;
  f = [];
  const mean = n1 * (N + 1); // doubled mean rank sum
  const obs = Math.round(2 * r1);
  const dev = Math.abs(obs - mean);
  let total = 0;
  let extreme = 0;
  for (let s = 0; s <= maxSum; s++) {
    const c = dist[s]!;
    if (c === 0) continue;
    total += c;
    if (Math.abs(s - mean) >= dev - 1e-9) extreme += c;
  }
  return Math.min(1, extreme / total);
}

/**
 * The smallest two-sided p the Mann-Whitney test can produce for n1 and n2 values (no ties):
 * 2 / C(n1+n2, n1) exactly, or the normal approximation's for large samples. When it is not
 * below α, no difference can ever be significant: the run needs more workers (benchstat's
 * "need >= N samples to detect a difference").
 */
export function mwuMinP(n1: number, n2: number): number {
  const N = n1 + n2;
  if (N <= MWU_EXACT_MAX) {
    let c = 1; // C(N, n1), built as a running product to stay finite
    for (let i = 1; i <= n1; i++) c = (c * (n2 + i)) / i;
    return Math.min(1, 2 / c);
  }
  const z = ((n1 * n2) / 2 - 0.5) / Math.sqrt((n1 * n2 * (N + 1)) / 12);
  return Math.min(1, 2 * normalSf(z));
}

export interface ShiftEstimate {
  /** Hodges–Lehmann estimate of the shift y - x: the median of all pairwise differences */
  readonly shift: number;
  readonly lo: number;
  readonly hi: number;
}

/** Most pairwise differences Hodges–Lehmann will materialize (memory: 8 bytes each). */
export const HL_MAX_PAIRS = 4_000_000;

/**
 * Hodges–Lehmann shift of y relative to x, with the distribution-free confidence interval
 * from the order statistics of the n1·n2 differences (Hollander & Wolfe, §4.3: the
 * C_α-th smallest and largest differences, C_α from the normal approximation of U).
 * Returns undefined when n1·n2 exceeds HL_MAX_PAIRS.
 */
export function hodgesLehmann(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  confidence = 0.95,
): ShiftEstimate | undefined {
  const n1 = x.length;
  const n2 = y.length;
  const m = n1 * n2;
  if (m === 0 || m > HL_MAX_PAIRS) return undefined;
  const d = new Float64Array(m);
  let k = 0;
  for (let j = 0; j < n2; j++) for (let i = 0; i < n1; i++) d[k++] = y[j]! - x[i]!;
  d.sort();
  const shift = m % 2 === 1 ? d[m >> 1]! : (d[(m >> 1) - 1]! + d[m >> 1]!) / 2;
  const z = normalQuantile(1 - (1 - confidence) / 2);
  const ca = Math.floor(m / 2 - z * Math.sqrt((m * (n1 + n2 + 1)) / 12));
  const c = Math.max(1, Math.min(ca, Math.ceil(m / 2)));
  return { shift, lo: d[c - 1]!, hi: d[m - c]! };
}

export interface RatioCI {
  /** median(head) / median(base) */
  readonly ratio: number;
  readonly lo: number;
  readonly hi: number;
}

/**
 * Percentile bootstrap confidence interval of median(y) / median(x).
 *
 * Samples come per worker (a round × replica), and samples of one worker
 * share its JIT state, heap layout and the machine's mood at the time: they are not
 * independent. When both sides have at least two workers the bootstrap is hierarchical
 * (resample workers, then samples within each), so the interval is as wide as the
 * worker-to-worker spread says it should be, not as narrow as thousands of correlated
 * samples would suggest. Deterministic: the seed fixes every resample.
 */
export function bootstrapRatioCI(
  x: ReadonlyArray<ArrayLike<number>>,
  y: ReadonlyArray<ArrayLike<number>>,
  opts: { confidence?: number; resamples?: number; seed?: number } = {},
): RatioCI {
  const confidence = opts.confidence ?? 0.95;
  const B = opts.resamples ?? 1000;
  const rng = new Rng((opts.seed ?? 1) >>> 0);
  const flat = (c: ReadonlyArray<ArrayLike<number>>) => c.flatMap((a) => Array.from(a));
  const ratio = median(flat(y)) / median(flat(x));
  const hierarchical = x.length >= 2 && y.length >= 2;
  const draw = makeDraw(hierarchical ? x : [flat(x)], rng);
  const drawY = makeDraw(hierarchical ? y : [flat(y)], rng);
  const ratios = new Float64Array(B);
  for (let b = 0; b < B; b++) ratios[b] = drawY() / draw();
  ratios.sort();
  const a = (1 - confidence) / 2;
  const q = (p: number) => ratios[Math.min(B - 1, Math.max(0, Math.round(p * (B - 1))))]!;
  return { ratio, lo: q(a), hi: q(1 - a) };
}

/** One bootstrap replicate of the median: workers drawn with replacement, then their samples. */
function makeDraw(workers: ReadonlyArray<ArrayLike<number>>, rng: Rng): () => number {
  const cs = workers.filter((c) => c.length > 0);
  const total = cs.reduce((s, c) => s + c.length, 0);
  // a replicate keeps the total sample count when workers have unequal sample counts
  const buf = new Float64Array(total * 2);
  return () => {
    let n = 0;
    if (cs.length === 1) {
      const c = cs[0]!;
      for (let i = 0; i < c.length; i++) buf[n++] = c[rng.int(c.length)]!;
    } else {
      while (n < total) {
        const c = cs[rng.int(cs.length)]!;
        const take = Math.min(c.length, buf.length - n);
        for (let i = 0; i < take; i++) buf[n++] = c[rng.int(c.length)]!;
      }
    }
    return medianInPlace(buf, n);
  };
}

/** Holm's step-down adjustment (controls the family-wise error rate). Same order as input. */
export function holm(ps: ReadonlyArray<number>): number[] {
  const m = ps.length;
  const order = ps.map((p, i) => [p, i] as const).sort((a, b) => a[0] - b[0]);
  const out = new Array<number>(m);
  let running = 0;
  order.forEach(([p, i], rank) => {
    running = Math.max(running, Math.min(1, (m - rank) * p));
    out[i] = running;
  });
  return out;
}

/** Benjamini–Hochberg step-up adjustment (controls the false discovery rate). Same order. */
export function benjaminiHochberg(ps: ReadonlyArray<number>): number[] {
  const m = ps.length;
  const order = ps.map((p, i) => [p, i] as const).sort((a, b) => a[0] - b[0]);
  const out = new Array<number>(m);
  let running = 1;
  for (let rank = m - 1; rank >= 0; rank--) {
    const [p, i] = order[rank]!;
    running = Math.min(running, (m * p) / (rank + 1));
    out[i] = Math.min(1, running);
  }
  return out;
}

/** Geometric mean of positive ratios; NaN when empty or when any ratio is not positive. */
export function geomean(ratios: ReadonlyArray<number>): number {
  if (ratios.length === 0) return NaN;
  let s = 0;
  for (const r of ratios) {
    if (!(r > 0) || !Number.isFinite(r)) return NaN;
    s += Math.log(r);
  }
  return Math.exp(s / ratios.length);
}

/**
 * Distribution-free confidence interval of one sample's median from order statistics
 * (binomial, normal approximation), as benchstat prints it: "12.3n ± 2%".
 * Returns the largest relative distance of the bounds from the median, or NaN for n < 6,
 * where no interval at 95% exists.
 */
export function medianCIRel(xs: ArrayLike<number>, confidence = 0.95): number {
  const n = xs.length;
  if (n < 6) return NaN;
  const a = Float64Array.from(xs).sort();
  const z = normalQuantile(1 - (1 - confidence) / 2);
  const half = (z * Math.sqrt(n)) / 2;
  const lo = Math.max(0, Math.floor(n / 2 - half));
  const hi = Math.min(n - 1, Math.ceil(n / 2 + half) - 1);
  const m = median(a);
  if (m === 0) return NaN;
  return Math.max(Math.abs(a[lo]! - m), Math.abs(a[hi]! - m)) / Math.abs(m);
}

/** FNV-1a hash of a string: seeds the bootstrap of each row, so that it is independent of row order. */
export function hashSeed(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
