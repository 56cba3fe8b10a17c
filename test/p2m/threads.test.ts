import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runThreadedWalk, type ThreadedVariant } from '../../src/p2m/threads.js';
import { VARIANTS } from './helpers.js';

/** run until at least one walk completed or aborted: on a loaded machine 60 ms may see none */
async function walk(variant: ThreadedVariant) {
  for (let ms = 60; ; ms *= 2) {
    const r = await runThreadedWalk(variant, { ms, seed: 3 });
    if (r.walks > 0 || ms >= 960) return r;
  }
}

// Real threads: the counts depend on scheduling, so only what must hold on every schedule is
// asserted: the list's generation check lets no stale walk complete, and no entry read is torn.
test('real threads: linear never completes a walk with a stale view; no torn entry reads', async () => {
  const lin = await walk(VARIANTS.linear);
  assert.ok(lin.walks > 0);
  assert.equal(lin.missed, 0);
  assert.equal(lin.torn, 0);
  assert.ok(lin.detected <= lin.walks);
  // tree3 and linear-3.19 share the frame-list path (toolstackPath), so one run covers both
  const tree = await walk(VARIANTS.tree3);
  assert.ok(tree.walks > 0);
  assert.equal(tree.detected, 0); // the frame-list walk has nothing to detect with
  assert.equal(tree.torn, 0);
  assert.equal(VARIANTS['linear-3.19'].toolstackPath, VARIANTS.tree3.toolstackPath);
});
