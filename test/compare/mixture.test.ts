// Comparing the sides' speed modes (src/compare/mixture.ts) on made-up worker medians.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compareMixtures, fisherExact } from '../../src/compare/mixture.js';

test('Fisher exact, two-sided, against R fisher.test', () => {
  assert.ok(Math.abs(fisherExact(2, 8, 8, 2) - 0.02301) < 1e-4);
  assert.ok(Math.abs(fisherExact(8, 2, 1, 5) - 0.03497) < 1e-4);
  assert.equal(fisherExact(5, 5, 5, 5), 1);
});

const fast = (k: number) => Array.from({ length: k }, (_, i) => 6.9 + 0.01 * i);
const slow = (k: number) => Array.from({ length: k }, (_, i) => 11.2 + 0.05 * i);

test('the false A/A of docs/ci.md: 2 of 10 base workers slow, 8 of 10 head: the mixtures differ', () => {
  const m = compareMixtures([...fast(8), ...slow(2)], [...fast(2), ...slow(8)]);
  assert.equal(m.differs, true);
  assert.deepEqual(m.counts, [2, 10, 8, 10]);
  assert.match(m.text, /slow mode \(\+6\d%\): base 2 of 10 workers, head 8 of 10/);
});

test('one side mixed, the other all fast: classified by the mixed side’s cut', () => {
  const m = compareMixtures(fast(10), [...fast(5), ...slow(5)]);
  assert.equal(m.base, undefined);
  assert.deepEqual(m.counts, [0, 10, 5, 10]);
  assert.equal(m.differs, true);
});

test('the same shares on both sides, a real shift of one mode, or no modes at all: not different', () => {
  const shifted = (xs: number[]) => xs.map((x) => x * 1.05);
  assert.equal(compareMixtures([...fast(6), ...slow(4)], shifted([...fast(5), ...slow(5)])).differs, false);
  // a pure shift of unimodal workers is not a mixture: the sides are never pooled
  const m = compareMixtures(fast(10), shifted(fast(10)));
  assert.equal(m.differs, false);
  assert.equal(m.text, '');
});
