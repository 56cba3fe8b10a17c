import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../src/harness/rng.js';
import { eDivisive } from '../../src/report/edivisive.js';

function noisy(n: number, level: (i: number) => number, noise: number, seed = 7): number[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, (_, i) => level(i) * (1 + noise * (rng.float() - 0.5)));
}

test('a step in the middle of a noisy series is found at the first value after it', () => {
  const xs = noisy(30, (i) => (i < 17 ? 10 : 11), 0.02);
  assert.deepEqual(
    eDivisive(xs).map((c) => c.index),
    [17],
  );
});

test('flat series rarely show a change point (the permutation test holds its level)', () => {
  // at alpha = 0.01 about one flat series in a hundred shows a false change point
  let flagged = 0;
  for (let seed = 1; seed <= 100; seed++) if (eDivisive(noisy(40, () => 10, 0.05, seed)).length > 0) flagged++;
  assert.ok(flagged <= 4, `${flagged} of 100 flat series flagged`);
});

test('two steps are both found, in order', () => {
  const xs = noisy(45, (i) => (i < 15 ? 10 : i < 30 ? 13 : 9), 0.02);
  assert.deepEqual(
    eDivisive(xs).map((c) => c.index),
    [15, 30],
  );
});

test('too short a series, or a constant one, has none', () => {
  assert.deepEqual(eDivisive([1, 2, 3, 4, 5]), []);
  assert.deepEqual(eDivisive(Array(20).fill(3)), []);
  assert.deepEqual(eDivisive([]), []);
});

test('a step near the end is found when each side has at least minSize values', () => {
  const xs = noisy(20, (i) => (i < 17 ? 10 : 14), 0.02);
  assert.deepEqual(
    eDivisive(xs).map((c) => c.index),
    [17],
  );
});
