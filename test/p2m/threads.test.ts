import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runThreadedWalk } from '../../src/p2m/threads.js';
import { VARIANTS } from './helpers.js';

// Real threads: the counts depend on scheduling, so only what must hold on every schedule is
// asserted: the list's generation check lets no stale walk complete, and no entry read is torn.
test('real threads: linear never completes a walk with a stale view; no torn entry reads', async () => {
  const lin = await runThreadedWalk(VARIANTS.linear, { ms: 60, seed: 3 });
  assert.ok(lin.walks > 0);
  assert.equal(lin.missed, 0);
  assert.equal(lin.torn, 0);
  assert.ok(lin.detected <= lin.walks);
  const tree = await runThreadedWalk(VARIANTS.tree3, { ms: 60, seed: 3 });
  assert.ok(tree.walks > 0);
  assert.equal(tree.detected, 0); // nothing to detect with
  assert.equal(tree.torn, 0);
});
