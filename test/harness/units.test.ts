import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { batchMeans } from '../../src/harness/measure.js';
import { caseMatches, planTasks, type CasePlan } from '../../src/harness/plan.js';
import { Rng } from '../../src/harness/rng.js';
import { caseKey } from '../../src/harness/suite.js';
import { summarize } from '../../src/harness/summary.js';

test('case keys keep the declared order of parameters', () => {
  assert.equal(caseKey({ ports: 4096, density: 0.01, vcpus: 4 }), 'ports=4096,density=0.01,vcpus=4');
});

test('case patterns: k=v is exact, * is a wildcard, a bare word is a substring', () => {
  const p = { ports: 4096, load: 'storm' };
  const k = caseKey(p);
  assert.ok(caseMatches(k, p, 'ports=4096'));
  assert.ok(!caseMatches(k, p, 'ports=40'));
  assert.ok(caseMatches(k, p, 'ports=40*'));
  assert.ok(caseMatches(k, p, 'ports=4096,load=storm'));
  assert.ok(!caseMatches(k, p, 'ports=4096,load=sparse'));
  assert.ok(caseMatches(k, p, 'sto'));
  assert.ok(!caseMatches(k, p, 'depth=2'));
});

test('variants alternate within each round: A B A B', () => {
  const c = { key: 'k', params: {}, variants: ['A', 'B'] } as unknown as CasePlan;
  assert.deepEqual(
    planTasks([c], 2, false).map((t) => `${t.variant}${t.round}`),
    ['A0', 'B0', 'A1', 'B1'],
  );
  assert.deepEqual(
    planTasks([c], 1, true).map((t) => `${t.variant}.${t.replica}`),
    ['A.0', 'B.0', 'A.1', 'B.1'],
  );
});

test('the seeded Rng gives the same stream for the same seed', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 0xffffffff }), (seed) => {
      const a = new Rng(seed);
      const b = new Rng(seed);
      for (let i = 0; i < 20; i++) assert.equal(a.int(1000), b.int(1000));
    }),
  );
  assert.throws(() => new Rng(-1), /seed must be an integer/);
});

test('summary statistics of a known sample', () => {
  const s = summarize([1, 2, 3, 4, 100]);
  assert.equal(s.n, 5);
  assert.equal(s.median, 3);
  assert.equal(s.mean, 22);
  assert.equal(s.min, 1);
  assert.equal(s.max, 100);
  assert.ok(Math.abs(s.sd - Math.sqrt((21 ** 2 + 20 ** 2 + 19 ** 2 + 18 ** 2 + 78 ** 2) / 4)) < 1e-9);
});

test('batch means keep the mean and at most the requested count', () => {
  fc.assert(
    fc.property(
      fc.array(fc.double({ min: 0, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 2000 }),
      fc.integer({ min: 1, max: 300 }),
      (xs, max) => {
        const sorted = [...xs].sort((a, b) => a - b);
        const b = batchMeans(sorted, max);
        assert.ok(b.length <= Math.max(max, 0) || b.length === xs.length);
        if (xs.length % max === 0 || xs.length <= max) {
          const mean = (a: number[]) => a.reduce((s, x) => s + x, 0) / a.length;
          assert.ok(Math.abs(mean(b) - mean(sorted)) <= 1e-6 * (1 + mean(sorted)));
        }
      },
    ),
  );
});
