// A row that is not shown changed is not thereby shown unchanged: `same` only when the interval
// lies inside ±threshold, `undecided` when it still straddles it.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { compareIn, timings, tmp, writeRun } from './fixture.js';

async function verdict(
  workers: number,
  workerCv: number,
  seed: number,
): Promise<{ verdict: string; resolution: string }> {
  const root = tmp();
  const side = (name: string, s: number) =>
    writeRun(join(root, name), {
      commit: (name === 'base' ? 'b' : 'c').repeat(40),
      rows: [{ variant: '2-level', metric: 'deliver', samples: timings(s, 20, { rounds: workers, workerCv }) }],
    });
  const r = await compareIn([side('base', seed), side('head', seed + 1), '--format', 'json']);
  assert.equal(r.code, 0, r.stderr);
  const row = (JSON.parse(r.stdout) as { rows: { verdict: string; resolution: string }[] }).rows[0]!;
  return row;
}

test('tight workers, no change: the interval lies inside ±threshold and the row is same', async () => {
  const r = await verdict(12, 0.002, 40);
  assert.equal(r.resolution, 'inside');
  assert.equal(r.verdict, 'same');
});

test('two noisy workers a side, no change: the interval straddles ±threshold and the row is undecided', async () => {
  const r = await verdict(2, 0.1, 40);
  assert.equal(r.resolution, 'open');
  assert.equal(r.verdict, 'undecided');
});
