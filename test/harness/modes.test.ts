// The mode rule (src/harness/modes.ts) on made-up worker medians, and the simulation that
// chose its constants, repeated on a seed: rare on one mode, found on the bench's two.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { findModes, modesCell, separationNeeded } from '../../src/harness/modes.js';
import { Rng } from '../../src/harness/rng.js';
import { gaussian } from '../compare/fixture.js';

test('the mixture seen on this bench: 6.9 ns against 10.3–11.4 ns', () => {
  const m = findModes([6.93, 6.95, 6.9, 10.3, 11.4, 6.97, 10.9, 6.92, 11.1, 6.94]);
  assert.ok(m);
  assert.equal(m.upper, 4);
  assert.equal(modesCell(m), '6@6.935|4@10.93');
});

test('one mode, a single stray worker, too few workers, or a small gap: no mixture', () => {
  assert.equal(findModes([7, 7.1, 6.9, 7.05, 6.95, 7.02, 6.98, 7.03]), undefined);
  assert.equal(findModes([7, 7.1, 6.9, 7.05, 6.95, 7.02, 6.98, 11]), undefined); // one worker is not a mode
  assert.equal(findModes([7, 7, 7, 11, 11]), undefined); // five workers: no verdict
  assert.equal(findModes([7, 7.01, 7.02, 7.9, 7.91, 7.92, 7.0, 7.9]), undefined); // 13% apart: below MIN_REL
  assert.equal(modesCell(undefined), '');
  assert.ok(separationNeeded(6) > separationNeeded(40));
});

test('simulation: under 3% false mixtures on one mode, over 90% found on the bench’s two (10 workers)', () => {
  const rng = new Rng(13);
  const reps = 600;
  for (const n of [6, 10, 20, 40]) {
    let falseNormal = 0;
    let falseLog = 0;
    for (let r = 0; r < reps; r++) {
      if (findModes(Array.from({ length: n }, () => 7 * (1 + 0.02 * gaussian(rng))))) falseNormal++;
      if (findModes(Array.from({ length: n }, () => 7 * Math.exp(0.05 * gaussian(rng))))) falseLog++;
    }
    assert.ok(falseNormal / reps < 0.03, `n=${n}: ${falseNormal} of ${reps}`);
    assert.ok(falseLog / reps < 0.03, `n=${n} log-normal: ${falseLog} of ${reps}`);
  }
  let found = 0;
  for (let r = 0; r < reps; r++) {
    const xs = Array.from(
      { length: 10 },
      () => (rng.chance(0.5) ? 10 + 2 * rng.float() : 6.9) * (1 + 0.02 * gaussian(rng)),
    );
    if (findModes(xs)) found++;
  }
  assert.ok(found / reps > 0.9, `${found} of ${reps}`);
});
