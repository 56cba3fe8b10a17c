// The within-mode estimate (src/compare/strata.ts) on seeded synthetic workers shaped like
// this project's VMs: each worker's task lands in the host's slow phase (here ×1.75) at
// random, in a share that differs between the sides (20–90% of workers), with 3% spread
// within a mode. It must stay clean on A/A families, find changes the all-workers interval
// loses, and never take a real change for a mode.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decide, type Estimate, welchLog } from '../../src/compare/decide.js';
import { MIN_PER_SIDE, type ModedEstimate, estimateByMode } from '../../src/compare/strata.js';
import { Rng } from '../../src/harness/rng.js';
import { gaussian } from './fixture.js';

const SLOW = 1.75;

function moded(rng: Rng, n: number, centre: number, slowShare: number): number[] {
  return Array.from({ length: n }, () => centre * Math.exp(0.03 * gaussian(rng)) * (rng.chance(slowShare) ? SLOW : 1));
}

/**
 * Families of `rows` rows, `shifted` of them head ×shift, decided together (BH, α = 0.05).
 * Counts what the within-mode rule selects: shifted rows found, and unshifted rows flagged
 * among those it compared within modes (the others it compares over all workers, where a
 * difference of shares is unknown.ts's to catch); and, for contrast, what the interval over
 * all workers finds.
 */
function families(seed: number, count: number, rows: number, shifted: number, shift: number) {
  const rng = new Rng(seed);
  const t = { hits: 0, plainHits: 0, withinRows: 0, withinFalse: 0, familiesWithFalse: 0 };
  for (let f = 0; f < count; f++) {
    const mine: ModedEstimate[] = [];
    const theirs: Estimate[] = [];
    for (let r = 0; r < rows; r++) {
      const base = moded(rng, 10, 10, 0.2 + 0.7 * rng.float());
      const head = moded(rng, 10, r < shifted ? 10 * shift : 10, 0.2 + 0.7 * rng.float());
      mine.push(estimateByMode(base, head)!);
      theirs.push(welchLog(base, head)!);
    }
    const ds = decide(mine, { alpha: 0.05, thresholdPct: 2, correction: 'bh' });
    const dp = decide(theirs, { alpha: 0.05, thresholdPct: 2, correction: 'bh' });
    let falses = 0;
    for (let r = 0; r < rows; r++) {
      if (r < shifted) {
        if (ds[r]!.selected) t.hits++;
        if (dp[r]!.selected) t.plainHits++;
      } else if (mine[r]!.strata !== '') {
        t.withinRows++;
        if (ds[r]!.selected) falses++;
      }
    }
    t.withinFalse += falses;
    if (falses > 0) t.familiesWithFalse++;
  }
  return t;
}

test('A/A: 200 families of 30 rows in two modes, shares differing between sides: rows compared within modes are rarely flagged', () => {
  const t = families(11, 200, 30, 0, 1);
  assert.ok(t.withinRows > 2000, `${t.withinRows} rows compared within modes`);
  assert.ok(t.withinFalse <= t.withinRows * 0.01, `${t.withinFalse} of ${t.withinRows} flagged`);
  // BH's promise at α = 0.05: a family without a change flags anything in about 5% of families
  assert.ok(t.familiesWithFalse <= 20, `${t.familiesWithFalse} of 200 families flagged a row within modes`);
});

test('10% slower in 10 of 30 rows, 10 workers a side in two modes: found within modes, mostly lost over all workers', () => {
  const t = families(12, 40, 30, 10, 1.1);
  assert.ok(t.hits >= 250, `within modes: ${t.hits} of 400 shifted rows found`);
  assert.ok(t.hits >= 3 * t.plainHits, `within modes ${t.hits}, all workers ${t.plainHits}`);
  // and the false discoveries among what it selects stay under BH's 5%
  assert.ok(t.withinFalse <= 0.05 * (t.hits + t.withinFalse), `${t.withinFalse} false of ${t.hits + t.withinFalse}`);
});

test('one mode on both sides: the same estimate as over all workers', () => {
  const rng = new Rng(3);
  const base = moded(rng, 10, 10, 0);
  const head = moded(rng, 10, 10.5, 0);
  const e = estimateByMode(base, head)!;
  assert.equal(e.strata, '');
  assert.deepEqual({ ...welchLog(base, head)!, strata: '' }, e);
});

test('a real change is not a mode: head 10% slower in both modes is measured as 10%, whatever the shares', () => {
  const rng = new Rng(4);
  const base = [...moded(rng, 7, 10, 0), ...moded(rng, 3, 10, 1)];
  const head = [...moded(rng, 3, 11, 0), ...moded(rng, 7, 11, 1)];
  const e = estimateByMode(base, head)!;
  assert.equal(e.strata, 'fast 7+3, slow 3+7');
  assert.ok(Math.abs(e.ratio - 1.1) < 0.03, `ratio ${e.ratio}`);
  assert.ok(e.p < 0.001, `p ${e.p}`);
});

test('one side in two modes, the other in one: not knowable which, so compared over all workers', () => {
  const rng = new Rng(6);
  const base = [...moded(rng, 5, 10, 0), ...moded(rng, 5, 10, 1)];
  // 60% slower than base's fast mode, or 9% faster than its slow one: the same numbers
  assert.equal(estimateByMode(base, moded(rng, 10, 16, 0))!.strata, '');
});

test('the false A/A alarm of docs/ci.md (2 of 10 base workers slow, 8 of 10 head): within modes, no change', () => {
  const rng = new Rng(5);
  const base = [...moded(rng, 8, 10, 0), ...moded(rng, 2, 10, 1)];
  const head = [...moded(rng, 2, 10, 0), ...moded(rng, 8, 10, 1)];
  const e = estimateByMode(base, head)!;
  assert.equal(e.strata, `fast 8+2, slow 2+8`);
  assert.ok(e.p > 0.05 && Math.abs(e.ratio - 1) < 0.05, `ratio ${e.ratio}, p ${e.p}`);
  assert.ok(MIN_PER_SIDE <= 2, 'modes.ts keeps two workers a cluster, so every worker is used');
  // over all workers the same numbers read as a large, significant slowdown
  assert.ok(welchLog(base, head)!.ratio > 1.3);
});
