import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../../src/harness/rng.js';
import { eDivisive, splitStatistics } from '../../src/report/edivisive.js';

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

/** The statistic as Matteson and James define it (alpha = 1), summed pair by pair. */
function naiveBest(xs: readonly number[], minSize: number): { q: number; tau: number } {
  let best = { q: -Infinity, tau: -1 };
  const n = xs.length;
  for (let tau = minSize; tau <= n - minSize; tau++) {
    const a = xs.slice(0, tau);
    const b = xs.slice(tau);
    let between = 0;
    for (const x of a) for (const y of b) between += Math.abs(x - y);
    const within = (s: number[]) => {
      let t = 0;
      for (let i = 0; i < s.length; i++) for (let j = i + 1; j < s.length; j++) t += Math.abs(s[i]! - s[j]!);
      return s.length > 1 ? t / ((s.length * (s.length - 1)) / 2) : 0;
    };
    const m = a.length;
    const k = b.length;
    const q = ((m * k) / (m + k)) * ((2 * between) / (m * k) - within(a) - within(b));
    if (q > best.q) best = { q, tau };
  }
  return best;
}

test('the O(L log L) scan gives the statistic of the definition, ties included', () => {
  for (let seed = 1; seed <= 20; seed++) {
    const rng = new Rng(seed);
    const n = 6 + rng.int(40);
    // rounded values: many ties
    const xs = Array.from({ length: n }, (_, i) => Math.round((i > n / 3 ? 12 : 10) + 4 * rng.float()));
    const fast = splitStatistics(xs, 3);
    const slow = naiveBest(xs, 3);
    assert.equal(fast.tau, slow.tau, `seed ${seed}`);
    assert.ok(Math.abs(fast.q - slow.q) < 1e-9 * Math.max(1, Math.abs(slow.q)), `seed ${seed}: ${fast.q} vs ${slow.q}`);
  }
});
