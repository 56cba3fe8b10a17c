// The statistics against known values. Reference p-values are scipy 1.17's
// `mannwhitneyu` (exact, or asymptotic with use_continuity=True); the small exact ones are
// also the textbook 2/C(n1+n2, n1) of fully separated samples (benchstat quotes n=4 → 0.029,
// n=5 → 0.0079). Holm and BH values are worked by hand as R's p.adjust defines them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/harness/rng.js';
import {
  benjaminiHochberg,
  bootstrapRatioCI,
  erfc,
  geomean,
  hodgesLehmann,
  holm,
  mannWhitneyU,
  median,
  medianCIRel,
  mwuMinP,
  normalQuantile,
  normalSf,
} from '../../src/compare/stats.js';

function close(actual: number, expected: number, rel = 1e-6, msg?: string): void {
  assert.ok(
    Math.abs(actual - expected) <= rel * Math.abs(expected),
    msg ?? `${actual} is not within ${rel} of ${expected}`,
  );
}

test('normal tail and quantile', () => {
  close(normalSf(3), 0.0013498980316300933, 1e-6);
  close(normalSf(8), 6.22096057427174e-16, 1e-6);
  close(normalQuantile(0.975), 1.959963984540054, 1e-8);
  close(normalQuantile(0.025), -1.959963984540054, 1e-8);
  close(erfc(0), 1, 1e-7);
  close(erfc(-1) + erfc(1), 2, 1e-12);
});

test('median', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.ok(Number.isNaN(median([])));
});

test('Mann-Whitney exact: fully separated samples give 2 / C(n1+n2, n1)', () => {
  const five = mannWhitneyU([1, 2, 3, 4, 5], [6, 7, 8, 9, 10]);
  assert.equal(five.u, 0);
  assert.equal(five.exact, true);
  close(five.p, 0.007936507936507936, 1e-12);
  close(mannWhitneyU([1, 2, 3, 4], [5, 6, 7, 8]).p, 0.02857142857142857, 1e-12);
  close(mannWhitneyU([1, 2, 3], [4, 5, 6]).p, 0.1, 1e-12);
  // U counts pairs with x > y: the other direction gives n1·n2
  assert.equal(mannWhitneyU([6, 7, 8, 9, 10], [1, 2, 3, 4, 5]).u, 25);
});

test('Mann-Whitney exact with ties: the permutation distribution of midranks', () => {
  // brute force over all C(10,5) = 252 splits (scipy rankdata): 30 are at least as extreme
  const r = mannWhitneyU([1, 2, 2, 3, 4], [2, 3, 5, 6, 6]);
  assert.equal(r.u, 4.5);
  close(r.p, 30 / 252, 1e-12);
});

test('Mann-Whitney exact agrees with brute-force enumeration on random tied samples', () => {
  const rng = new Rng(7);
  for (let trial = 0; trial < 20; trial++) {
    const n1 = 2 + rng.int(5);
    const n2 = 2 + rng.int(5);
    const x = Array.from({ length: n1 }, () => rng.int(4));
    const y = Array.from({ length: n2 }, () => rng.int(4));
    const all = [...x, ...y];
    const N = all.length;
    const sorted = [...all].sort((a, b) => a - b);
    const rank = (v: number) => (sorted.indexOf(v) + sorted.lastIndexOf(v) + 2) / 2;
    const ranks = all.map(rank);
    const mean = (n1 * (N + 1)) / 2;
    const obs = Math.abs(ranks.slice(0, n1).reduce((s, v) => s + v, 0) - mean);
    let extreme = 0;
    let total = 0;
    const choose = (start: number, left: number, sum: number) => {
      if (left === 0) {
        total++;
        if (Math.abs(sum - mean) >= obs - 1e-9) extreme++;
        return;
      }
      for (let i = start; i <= N - left; i++) choose(i + 1, left - 1, sum + ranks[i]!);
    };
    choose(0, n1, 0);
    close(mannWhitneyU(x, y).p, extreme / total, 1e-12, `trial ${trial}: ${x} vs ${y}`);
  }
});

test('Mann-Whitney normal approximation with tie and continuity corrections (scipy)', () => {
  const x = Array.from({ length: 40 }, (_, i) => i % 5);
  const y = Array.from({ length: 30 }, (_, i) => (i % 6) + 1);
  const r = mannWhitneyU(x, y);
  assert.equal(r.exact, false);
  assert.equal(r.u, 320);
  close(r.p, 0.0007685598330885516, 1e-5);
  const a = Array.from({ length: 50 }, (_, i) => i);
  const b = a.map((v) => v + 10.5);
  const s = mannWhitneyU(a, b);
  assert.equal(s.u, 780);
  close(s.p, 0.0012094231070333462, 1e-5);
});

test('Mann-Whitney: identical samples give p = 1, and the test is symmetric', () => {
  assert.equal(mannWhitneyU([5, 5, 5], [5, 5, 5]).p, 1);
  const big = Array.from({ length: 100 }, () => 3);
  assert.equal(mannWhitneyU(big, big).p, 1);
  const x = [1.2, 3.4, 2.2, 5.1, 0.3, 9.9, 4.4];
  const y = [2.1, 6.6, 7.7, 3.3, 8.1];
  close(mannWhitneyU(x, y).p, mannWhitneyU(y, x).p, 1e-12);
});

test('Hodges-Lehmann shift and its order-statistic interval', () => {
  // x = 0..9, y = 100, 110, ..., 190: the 100 differences are distinct. For n1 = n2 = 10 the
  // 95% interval is [D(24), D(77)] (Hollander & Wolfe's C_α = 24, also R's exact
  // wilcox.test): here 114 and 167; the median difference is 140.5.
  const x = Array.from({ length: 10 }, (_, i) => i);
  const y = Array.from({ length: 10 }, (_, j) => 100 + 10 * j);
  const hl = hodgesLehmann(x, y)!;
  assert.equal(hl.shift, 140.5);
  assert.equal(hl.lo, 114);
  assert.equal(hl.hi, 167);
  // three against three cannot reach 95%: the interval is the whole range
  const small = hodgesLehmann([1, 2, 3], [4, 6, 8])!;
  assert.deepEqual([small.shift, small.lo, small.hi], [4, 1, 7]);
});

test('Holm and Benjamini-Hochberg adjustments', () => {
  const p = [0.01, 0.04, 0.03, 0.005];
  const h = holm(p);
  [0.03, 0.06, 0.06, 0.02].forEach((e, i) => close(h[i]!, e, 1e-12));
  const bh = benjaminiHochberg(p);
  [0.02, 0.04, 0.04, 0.02].forEach((e, i) => close(bh[i]!, e, 1e-12));
  assert.deepEqual(holm([]), []);
  assert.deepEqual(holm([0.9, 0.8]), [1, 1]);
});

test('geometric mean of ratios', () => {
  close(geomean([2, 0.5]), 1, 1e-12);
  close(geomean([1.1, 1.1, 1.1]), 1.1, 1e-12);
  assert.ok(Number.isNaN(geomean([])));
  assert.ok(Number.isNaN(geomean([1, 0])));
});

test('bootstrap interval of the ratio of medians: deterministic, covers the truth', () => {
  const rng = new Rng(3);
  const draw = (centre: number) =>
    Array.from({ length: 4 }, () => Array.from({ length: 50 }, () => centre * (1 + 0.02 * (rng.float() - 0.5))));
  const x = draw(100);
  const y = draw(110);
  const a = bootstrapRatioCI(x, y, { seed: 9 });
  const b = bootstrapRatioCI(x, y, { seed: 9 });
  assert.deepEqual(a, b);
  assert.ok(a.lo <= a.ratio && a.ratio <= a.hi);
  assert.ok(a.lo > 1.09 && a.hi < 1.11, `${a.lo}..${a.hi}`);
});

test('hierarchical bootstrap: workers that disagree widen the interval', () => {
  // each worker is internally tight but offset from the others by a few percent: the worker
  // is the unit of replication, so the interval must reflect the offsets
  const worker = (offset: number) => Array.from({ length: 100 }, (_, i) => 100 * (1 + offset) + (i % 10) * 0.01);
  const x = [worker(-0.03), worker(0), worker(0.03), worker(0.01)];
  const y = [worker(-0.02), worker(0.02), worker(0.04), worker(0)];
  const clustered = bootstrapRatioCI(x, y, { seed: 1 });
  const flat = bootstrapRatioCI([x.flat()], [y.flat()], { seed: 1 });
  assert.ok(
    clustered.hi - clustered.lo > 2 * (flat.hi - flat.lo),
    `clustered ${clustered.lo}..${clustered.hi}, flat ${flat.lo}..${flat.hi}`,
  );
  assert.ok(clustered.lo < 1, 'the offsets make a 1% difference indistinguishable');
});

test('median interval (benchstat "± x%")', () => {
  assert.ok(Number.isNaN(medianCIRel([1, 2, 3])));
  const xs = Array.from({ length: 101 }, (_, i) => 100 + (i - 50) * 0.1);
  const r = medianCIRel(xs);
  assert.ok(r > 0 && r < 0.02, String(r));
});

test('smallest achievable Mann-Whitney p (benchstat: n=4 gives 0.029, n=5 gives 0.0079)', () => {
  close(mwuMinP(4, 4), 0.02857142857142857, 1e-12);
  close(mwuMinP(5, 5), 0.007936507936507936, 1e-12);
  close(mwuMinP(3, 3), 0.1, 1e-12);
  assert.ok(mwuMinP(100, 100) < 1e-30);
});
