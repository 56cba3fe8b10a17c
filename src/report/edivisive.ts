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

/**
 * What a scan of one segment needs that permutations within it do not change: each value's
 * rank in the segment (by original index), the sum of |difference| over its pairs, and the
 * Fenwick trees (count, sum over ranks) of the whole segment, copied as the initial right set.
 */
interface Segment {
  readonly s: number;
  readonly e: number;
  readonly total: number;
  readonly sum: number;
  readonly countTree: Float64Array;
  readonly sumTree: Float64Array;
}

function segment(x: Float64Array, s: number, e: number, rankOf: Int32Array): Segment {
  const len = e - s;
  const sorted = Int32Array.from({ length: len }, (_, i) => s + i).sort((a, b) => x[a]! - x[b]!);
  const countTree = new Float64Array(len + 1);
  const sumTree = new Float64Array(len + 1);
  let total = 0;
  let sum = 0;
  for (let k = 0; k < len; k++) {
    const v = x[sorted[k]!]!;
    rankOf[sorted[k]!] = k;
    total += v * (2 * k - len + 1);
    sum += v;
    countTree[k + 1] = 1;
    sumTree[k + 1] = v;
  }
  // Fenwick trees built in place in O(L): each node passes its sum up to its parent
  for (let i = 1; i <= len; i++) {
    const j = i + (i & -i);
    if (j <= len) {
      countTree[j]! += countTree[i]!;
      sumTree[j]! += sumTree[i]!;
    }
  }
  return { s, e, total, sum, countTree, sumTree };
}

function prefix(tree: Float64Array, i: number): number {
  let s = 0;
  for (; i > 0; i -= i & -i) s += tree[i]!;
  return s;
}

/** Scratch trees for the scans, allocated once per series: the permutation loop allocates nothing. */
interface Scratch {
  readonly lc: Float64Array;
  readonly ls: Float64Array;
  readonly rc: Float64Array;
  readonly rs: Float64Array;
}

function scratch(n: number): Scratch {
  const f = () => new Float64Array(n + 1);
  return { lc: f(), ls: f(), rc: f(), rs: f() };
}

/**
 * Best split of a segment, its values read through `order`, by the statistic above. Moving τ
 * one value to the right moves that value from the right set to the left; its distances to
 * each set come from the Fenwick trees, so a scan costs O(L log L) rather than O(L²): a
 * history of hundreds of commits, with hundreds of permutations per test, stays cheap.
 */
function bestSplit(
  x: Float64Array,
  order: Int32Array,
  g: Segment,
  rankOf: Int32Array,
  minSize: number,
  w: Scratch,
): Best {
  const best: Best = { q: -Infinity, tau: -1 };
  const { s, e, total } = g;
  const len = e - s;
  if (len < 2 * minSize) return best;
  const { lc, ls, rc, rs } = w;
  lc.fill(0, 0, len + 1);
  ls.fill(0, 0, len + 1);
  rc.set(g.countTree);
  rs.set(g.sumTree);
  const size = len + 1;
  let leftN = 0;
  let leftSum = 0;
  let rightN = len;
  let rightSum = g.sum;
  let wl = 0;
  let wr = total;
  for (let t = 0; t < len - 1; t++) {
    const o = order[s + t]!;
    const xt = x[o]!;
    const r = rankOf[o]!;
    // out of the right set first, so that it is in neither set when its distances are summed
    for (let i = r + 1; i < size; i += i & -i) {
      rc[i]! -= 1;
      rs[i]! -= xt;
    }
    rightN--;
    rightSum -= xt;
    const rcLess = prefix(rc, r);
    const rsLess = prefix(rs, r);
    const toRight = xt * rcLess - rsLess + (rightSum - rsLess) - xt * (rightN - rcLess);
    const lcLess = prefix(lc, r);
    const lsLess = prefix(ls, r);
    const toLeft = xt * lcLess - lsLess + (leftSum - lsLess) - xt * (leftN - lcLess);
    for (let i = r + 1; i < size; i += i & -i) {
      lc[i]! += 1;
      ls[i]! += xt;
    }
    leftN++;
    leftSum += xt;
    wl += toLeft;
    wr -= toRight;
    const m = t + 1;
    const k = len - m;
    if (m < minSize || k < minSize) continue;
    const between = total - wl - wr;
    const within = (m > 1 ? wl / ((m * (m - 1)) / 2) : 0) + (k > 1 ? wr / ((k * (k - 1)) / 2) : 0);
    const q = ((m * k) / (m + k)) * ((2 * between) / (m * k) - within);
    if (q > best.q) {
      best.q = q;
      best.tau = s + m;
    }
  }
  return best;
}

/** The best split over all segments. */
function bestOver(
  x: Float64Array,
  order: Int32Array,
  segs: readonly Segment[],
  rankOf: Int32Array,
  minSize: number,
  w: Scratch,
): Best {
  let best: Best = { q: -Infinity, tau: -1 };
  for (const g of segs) {
    const b = bestSplit(x, order, g, rankOf, minSize, w);
    if (b.q > best.q) best = b;
  }
  return best;
}

/** exported for the test that checks the fast scan against the definition */
export function splitStatistics(values: readonly number[], minSize: number): { q: number; tau: number } {
  const x = Float64Array.from(values);
  const rankOf = new Int32Array(x.length);
  const g = segment(x, 0, x.length, rankOf);
  return bestSplit(
    x,
    Int32Array.from({ length: x.length }, (_, i) => i),
    g,
    rankOf,
    minSize,
    scratch(x.length),
  );
}

/** Change points of `values`, earliest first. */
export function eDivisive(values: readonly number[], opts: ChangePointOptions = CHANGE_POINT_DEFAULTS): ChangePoint[] {
  const n = values.length;
  const x = Float64Array.from(values);
  const identity = Int32Array.from({ length: n }, (_, i) => i);
  const rng = new Rng(opts.seed >>> 0);
  const w = scratch(n);
  const rankOf = new Int32Array(n);
  const cuts = [0, n];
  const found: ChangePoint[] = [];
  // a test that cannot reach alpha stops early: enough permutations already beat the split
  const stopAfter = Math.ceil(opts.alpha * (opts.permutations + 1));
  for (;;) {
    const segs: Segment[] = [];
    for (let c = 0; c + 1 < cuts.length; c++) segs.push(segment(x, cuts[c]!, cuts[c + 1]!, rankOf));
    const best = bestOver(x, identity, segs, rankOf, opts.minSize, w);
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
      if (bestOver(x, perm, segs, rankOf, opts.minSize, w).q >= best.q) atLeast++;
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
