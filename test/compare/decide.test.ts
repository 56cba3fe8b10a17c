// The interval decision (src/compare/decide.ts) on seeded synthetic workers: textbook values of
// the t distribution, A/A families that stay clean at the nominal rate, and 3–5% shifts with
// 10 workers a side that the interval rule finds and Holm + Mann-Whitney loses.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decide, type Estimate, resolutionOf, welchLog } from '../../src/compare/decide.js';
import { holm, mannWhitneyU } from '../../src/compare/stats.js';
import { incompleteBeta, tQuantileUpper, tSf } from '../../src/compare/tdist.js';
import { Rng } from '../../src/harness/rng.js';
import { gaussian } from './fixture.js';

const close = (a: number, b: number, tol: number) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

test('Student t: tails and quantiles against tables', () => {
  close(tQuantileUpper(0.025, 9), 2.262157, 1e-5);
  close(tQuantileUpper(0.025, 18), 2.100922, 1e-5);
  close(tQuantileUpper(0.0005, 4), 8.610302, 1e-4);
  close(tSf(2.228139, 10), 0.025, 1e-6);
  close(tSf(0, 5), 0.5, 1e-12);
  close(tSf(-1.833113, 9), 0.95, 1e-6);
  close(incompleteBeta(0.5, 2, 2), 0.5, 1e-12);
});

test('Welch on logs: the ratio of geometric means, its df, and a zero-variance edge', () => {
  const e = welchLog([10, 10.2, 9.8, 10.1], [11, 11.2, 10.8, 11.1])!;
  close(e.ratio, 1.0999, 1e-3);
  assert.ok(e.p < 0.001 && e.df > 5 && e.df <= 6);
  assert.equal(welchLog([1], [1, 2]), undefined);
  const flat = welchLog([5, 5], [5, 5])!;
  assert.equal(flat.p, 1);
});

test('resolution: outside, inside or open against ±threshold', () => {
  assert.equal(resolutionOf(1.03, 1.05, 2), 'outside');
  assert.equal(resolutionOf(0.9, 0.97, 2), 'outside');
  assert.equal(resolutionOf(0.99, 1.015, 2), 'inside');
  assert.equal(resolutionOf(1.01, 1.04, 2), 'open');
});

test('BH selection and the false-coverage level agree: a row is selected iff its interval excludes 1', () => {
  const rng = new Rng(5);
  const ests: Estimate[] = [];
  for (let i = 0; i < 40; i++) {
    const shift = i < 8 ? 1.04 : 1;
    ests.push(welchLog(workers(rng, 10, 1, 0.015), workers(rng, 10, shift, 0.015))!);
  }
  for (const correction of ['bh', 'holm'] as const) {
    const ds = decide(ests, { alpha: 0.05, thresholdPct: 2, correction });
    const R = ds.filter((d) => d!.selected).length;
    for (const d of ds) assert.equal(d!.selected, d!.lo > 1 || d!.hi < 1);
    const want = 1 - (0.05 * (correction === 'bh' ? Math.max(1, R) : 1)) / 40;
    close(ds[0]!.level, want, 1e-12);
  }
});

/** Per-worker medians: log-normal worker noise, one worker in 20 far off (a slow spell). */
function workers(rng: Rng, n: number, centre: number, cv: number): number[] {
  return Array.from({ length: n }, () => centre * Math.exp(cv * gaussian(rng)) * (rng.chance(0.05) ? 1.15 : 1));
}

test('A/A: families of 30 identical rows flag anything in at most the nominal 5% of families', () => {
  const rng = new Rng(2026);
  const families = 300;
  let dirty = 0;
  let rowsFlagged = 0;
  for (let f = 0; f < families; f++) {
    const ests = Array.from({ length: 30 }, () => welchLog(workers(rng, 10, 7, 0.015), workers(rng, 10, 7, 0.015)));
    const ds = decide(ests, { alpha: 0.05, thresholdPct: 2, correction: 'bh' });
    const k = ds.filter((d) => d!.selected).length;
    rowsFlagged += k;
    if (k > 0) dirty++;
  }
  // all nulls true: BH's false-discovery rate is the family-wise rate, α = 0.05; 300 families
  // give a binomial sd of 1.3%, so 8% is three deviations above the nominal rate
  assert.ok(dirty / families <= 0.08, `${dirty} of ${families} families flagged a row (${rowsFlagged} rows)`);
});

test('3% and 5% shifts, 10 workers a side, 30 of 90 rows: the interval rule finds far more than Holm + MWU', () => {
  const rng = new Rng(7);
  for (const shift of [1.03, 1.05]) {
    let interval = 0;
    let mwu = 0;
    let falseInterval = 0;
    const trials = 10;
    for (let t = 0; t < trials; t++) {
      const sides = Array.from({ length: 90 }, (_, i) => {
        const s = i < 30 ? shift : 1;
        return [workers(rng, 10, 7, 0.015), workers(rng, 10, 7 * s, 0.015)] as const;
      });
      const ds = decide(
        sides.map(([b, h]) => welchLog(b, h)),
        { alpha: 0.05, thresholdPct: 2, correction: 'bh' },
      );
      const ps = holm(sides.map(([b, h]) => mannWhitneyU(b, h).p));
      ds.forEach((d, i) => {
        if (i < 30) {
          if (d!.selected) interval++;
          if (ps[i]! < 0.05) mwu++;
        } else if (d!.selected) falseInterval++;
      });
    }
    const n = 30 * trials;
    if (shift === 1.05) assert.ok(interval / n >= 0.9, `5%: interval rule found ${interval} of ${n}`);
    else assert.ok(interval / n >= 0.5, `3%: interval rule found ${interval} of ${n}`);
    // seeded: 3% → 191 vs 78 of 300, 5% → 292 vs 170
    assert.ok(interval - mwu >= 0.25 * n, `${shift}: MWU+Holm ${mwu} vs interval ${interval} of ${n}`);
    // the false-discovery share among the flagged rows stays under α
    assert.ok(falseInterval <= 0.05 * (interval + falseInterval) + 2, `${falseInterval} false of ${interval}`);
  }
});
