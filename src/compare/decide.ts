// The interval decision: is head's timing different from base's, by how much, and is the
// answer settled? Per row, the unit is the worker (samples of one worker share its JIT state
// and heap layout), the statistic is the log of each worker's median, and the estimate is the
// ratio of the two sides' geometric means of worker medians, with Welch's t interval on the
// log scale (unequal variances, Welch–Satterthwaite degrees of freedom). Over rows, false
// discoveries are controlled the way Benjamini & Yekutieli (2005, "False discovery
// rate-adjusted multiple confidence intervals for selected parameters", JASA 100:71–81) do
// for intervals: a row is selected when its interval excludes no change, the rows are selected
// by Benjamini–Hochberg at α, and every row's interval is shown at the level 1 − Rα/m (R rows
// selected of m), which bounds the expected share of selected rows whose interval misses the
// truth by α. With `--correction holm` every interval is Bonferroni's 1 − α/m instead:
// simultaneous, the family-wise rate, far fewer detections when many rows change.
//
// Why not the rank test over workers under Holm (the older rule, `--decision mwu`): with 10
// workers a side and 90 rows, Holm asks for p < 0.00056 and Mann-Whitney reaches it only when
// the two sides' workers hardly overlap, so a 3% change with 1.5% worker spread is lost. The t
// interval uses the distances, not only the order, and BH's level grows with the number of rows
// that changed. Its weakness, an outlier worker, makes it wider (a missed change), not a false one.
import { benjaminiHochberg } from './stats.js';
import { tQuantileUpper, tSf } from './tdist.js';

export interface Estimate {
  /** head / base: the ratio of the (20%-trimmed) geometric means of the worker medians */
  readonly ratio: number;
  readonly logDiff: number;
  readonly se: number;
  readonly df: number;
  /** two-sided p of "no change" */
  readonly p: number;
  readonly n: readonly [number, number];
}

/** Share trimmed from each end (Yuen's 20%): g = floor(0.2 n) workers a side. */
export const TRIM = 0.2;

/**
 * Trimmed mean and the squared standard error term of Yuen (1974): the winsorized variance
 * over h(h-1), h the workers kept. With g = 0 (n < 5) it is the mean and s²/n of Welch.
 */
function trimmed(xs: readonly number[]): { m: number; q: number; h: number } {
  const a = [...xs].sort((p, q) => p - q);
  const n = a.length;
  const g = Math.floor(TRIM * n);
  const h = n - 2 * g;
  let m = 0;
  for (let i = g; i < n - g; i++) m += a[i]!;
  m /= h;
  const w = a.map((x, i) => (i < g ? a[g]! : i >= n - g ? a[n - g - 1]! : x));
  const wm = w.reduce((s, x) => s + x, 0) / n;
  const sw = w.reduce((s, x) => s + (x - wm) * (x - wm), 0) / (n - 1);
  return { m, q: ((n - 1) * sw) / (h * (h - 1)), h };
}

/**
 * Yuen's trimmed Welch comparison of log(head) against log(base); undefined with fewer than 2
 * a side. Trimming 20% a side keeps one worker caught in a slow spell from widening the
 * interval until a real change is lost (a plain t interval loses a 3% change whenever one of
 * ten workers is 15% off), and costs little when there is none (Wilcox, "Introduction to
 * Robust Estimation and Hypothesis Testing", §5.3).
 */
export function welchLog(base: readonly number[], head: readonly number[]): Estimate | undefined {
  const lb = base.filter((x) => x > 0).map(Math.log);
  const lh = head.filter((x) => x > 0).map(Math.log);
  if (lb.length < 2 || lh.length < 2) return undefined;
  const tb = trimmed(lb);
  const th = trimmed(lh);
  const qb = tb.q;
  const qh = th.q;
  const d = th.m - tb.m;
  const n: [number, number] = [lb.length, lh.length];
  const se = Math.sqrt(qb + qh);
  if (!(se > 0)) return { ratio: Math.exp(d), logDiff: d, se: 0, df: Infinity, p: d === 0 ? 1 : 0, n };
  const df = (qb + qh) ** 2 / (qb ** 2 / (tb.h - 1) + qh ** 2 / (th.h - 1));
  return { ratio: Math.exp(d), logDiff: d, se, df, p: Math.min(1, 2 * tSf(Math.abs(d) / se, df)), n };
}

export type Resolution =
  /** the interval lies beyond +threshold or below -threshold: a change, settled */
  | 'outside'
  /** the interval lies within ±threshold: no change worth the name, settled */
  | 'inside'
  /** the interval straddles a threshold: more workers would settle it */
  | 'open';

export interface Decision {
  /** the interval's level, e.g. 0.9994 for BH with one row selected of 90 */
  readonly level: number;
  readonly lo: number;
  readonly hi: number;
  /** the interval excludes no change (BH- or Bonferroni-selected) */
  readonly selected: boolean;
  /** p adjusted over the rows (BH or Bonferroni) */
  readonly pAdj: number;
  readonly resolution: Resolution;
}

export interface DecideOptions {
  readonly alpha: number;
  readonly thresholdPct: number;
  readonly correction: 'holm' | 'bh';
}

export function resolutionOf(lo: number, hi: number, thresholdPct: number): Resolution {
  const up = 1 + thresholdPct / 100;
  const down = 1 - thresholdPct / 100;
  if (lo > up || hi < down) return 'outside';
  if (lo >= down && hi <= up) return 'inside';
  return 'open';
}

function interval(e: Estimate, level: number): [number, number] {
  if (e.se === 0) return [e.ratio, e.ratio];
  const t = tQuantileUpper((1 - level) / 2, e.df);
  return [Math.exp(e.logDiff - t * e.se), Math.exp(e.logDiff + t * e.se)];
}

/** Decides every row at once (the adjustment needs them all); undefined rows stay undefined. */
export function decide(estimates: readonly (Estimate | undefined)[], o: DecideOptions): (Decision | undefined)[] {
  const idx = estimates.flatMap((e, i) => (e === undefined ? [] : [i]));
  const m = idx.length;
  const ps = idx.map((i) => estimates[i]!.p);
  const adj = o.correction === 'bh' ? benjaminiHochberg(ps) : ps.map((p) => Math.min(1, p * m));
  const R = adj.filter((p) => p < o.alpha).length;
  const level = 1 - (o.alpha * (o.correction === 'bh' ? Math.max(R, 1) : 1)) / Math.max(m, 1);
  const out: (Decision | undefined)[] = estimates.map(() => undefined);
  idx.forEach((i, j) => {
    const [lo, hi] = interval(estimates[i]!, level);
    const selected = adj[j]! < o.alpha;
    out[i] = { level, lo, hi, selected, pAdj: adj[j]!, resolution: resolutionOf(lo, hi, o.thresholdPct) };
  });
  return out;
}
