// Change points of a series by E-divisive means: Matteson and James, "A Nonparametric Approach
// for Multiple Change Point Analysis of Multivariate Data", Journal of the American Statistical
// Association 109(505), 2014, the method MongoDB runs on its performance CI (Daly et al., "The
// Use of Change Point Detection to Identify Software Performance Regressions in a Continuous
// Integration System", ICPE 2020; their signal_processing_algorithms package). With alpha = 1
// the divergence between the two sides of a split is the energy distance of their values:
//   Q(τ) = m·k/(m+k) · ( 2/(m·k) Σ|aᵢ−bⱼ| − 1/C(m,2) Σ|aᵢ−aⱼ| − 1/C(k,2) Σ|bᵢ−bⱼ| )
// for the m values before τ and the k values from τ on. Bisection: the best split over every
// current segment is kept if a permutation test (values shuffled within each segment, the best
// split searched again) finds it significant, and the search goes on in the pieces. Nothing is
// assumed of the distribution, which suits timings (skewed, bimodal workers).
import { Rng } from '../harness/rng.js';

export interface ChangePointOptions {
  /** significance level of each permutation test */
  readonly alpha: number;
  /** permutations per test (p is at best 1/(permutations+1)) */
  readonly permutations: number;
  /** fewest values on either side of a change point */
  readonly minSize: number;
  readonly seed: number;
}

// alpha 0.01 rather than MongoDB's 0.05: a page follows hundreds of series, and at 0.05 one
// flat series in twenty would show a change that is not there.
export const CHANGE_POINT_DEFAULTS: ChangePointOptions = { alpha: 0.01, permutations: 199, minSize: 3, seed: 1 };

export interface ChangePoint {
  /** index of the first value after the change */
  readonly index: number;
  /** permutation p-value when it was accepted */
  readonly p: number;
}

interface Best {
  q: number;
  tau: number;
}

/** Best split of x[s, e) (values read through `order`), by the statistic above, in O(L²). */
function bestSplit(x: Float64Array, order: Int32Array, s: number, e: number, minSize: number): Best {
  const best: Best = { q: -Infinity, tau: -1 };
  const len = e - s;
  if (len < 2 * minSize) return best;
  // within-left sum WL, within-right WR and the total T over pairs i < j of the segment
  let total = 0;
  for (let i = s; i < e; i++) {
    const xi = x[order[i]!]!;
    for (let j = i + 1; j < e; j++) total += Math.abs(xi - x[order[j]!]!);
  }
  let wl = 0;
  let wr = total;
  for (let t = s; t < e - 1; t++) {
    // move value t from the right side to the left: τ becomes t + 1
    const xt = x[order[t]!]!;
    let toLeft = 0;
    for (let i = s; i < t; i++) toLeft += Math.abs(xt - x[order[i]!]!);
    let toRight = 0;
    for (let j = t + 1; j < e; j++) toRight += Math.abs(xt - x[order[j]!]!);
    wl += toLeft;
    wr -= toRight;
    const m = t + 1 - s;
    const k = e - t - 1;
    if (m < minSize || k < minSize) continue;
    const between = total - wl - wr;
    const within = (m > 1 ? wl / ((m * (m - 1)) / 2) : 0) + (k > 1 ? wr / ((k * (k - 1)) / 2) : 0);
    const q = ((m * k) / (m + k)) * ((2 * between) / (m * k) - within);
    if (q > best.q) {
      best.q = q;
      best.tau = t + 1;
    }
  }
  return best;
}

/** The best split over all segments bounded by `cuts` (sorted, starting at 0, ending at n). */
function bestOver(x: Float64Array, order: Int32Array, cuts: readonly number[], minSize: number): Best {
  let best: Best = { q: -Infinity, tau: -1 };
  for (let c = 0; c + 1 < cuts.length; c++) {
    const b = bestSplit(x, order, cuts[c]!, cuts[c + 1]!, minSize);
    if (b.q > best.q) best = b;
  }
  return best;
}

/** Change points of `values`, earliest first. */
export function eDivisive(values: readonly number[], opts: ChangePointOptions = CHANGE_POINT_DEFAULTS): ChangePoint[] {
  const n = values.length;
  const x = Float64Array.from(values);
  const identity = Int32Array.from({ length: n }, (_, i) => i);
  const rng = new Rng(opts.seed >>> 0);
  const cuts = [0, n];
  const found: ChangePoint[] = [];
  // a test that cannot reach alpha stops early: enough permutations already beat the split
  const stopAfter = Math.ceil(opts.alpha * (opts.permutations + 1));
  for (;;) {
    const best = bestOver(x, identity, cuts, opts.minSize);
    if (best.tau < 0 || !(best.q > 0)) break;
    let atLeast = 0;
    let done = 0;
    const perm = Int32Array.from(identity);
    while (done < opts.permutations && atLeast < stopAfter) {
      // shuffle within each segment (Fisher–Yates), so that earlier change points are kept
      for (let c = 0; c + 1 < cuts.length; c++) {
        const s = cuts[c]!;
        for (let i = cuts[c + 1]! - 1; i > s; i--) {
          const j = s + rng.int(i - s + 1);
          const t = perm[i]!;
          perm[i] = perm[j]!;
          perm[j] = t;
        }
      }
      if (bestOver(x, perm, cuts, opts.minSize).q >= best.q) atLeast++;
      done++;
    }
    const p = (atLeast + 1) / (done + 1);
    if (atLeast >= stopAfter || p > opts.alpha) break;
    found.push({ index: best.tau, p });
    cuts.push(best.tau);
    cuts.sort((a, b) => a - b);
  }
  return found.sort((a, b) => a.index - b.index);
}
