import { test } from 'node:test';
import assert from 'node:assert/strict';
import suite from '../../bench/pvclock.js';
import { prepare, runnable } from '../suite-helpers.js';

test('a case end to end: gate, counters (exact and gauges, traces in detail), a timed body that returns a number', async () => {
  const params = { scheme: 'master', vcpus: 2, load: 'rebase', delta: -1000, explore: 2000 };
  for (const variant of ['percpu', 'vcpu0']) {
    const prepared = runnable(await prepare(suite, variant, params));
    const gate = prepared.gate();
    assert.ok(gate.ok);
    const counters = await prepared.counters();
    const by = new Map(counters.map((c) => [c.metric, c]));
    for (const m of [
      'retries',
      'fallbacks',
      'gate_warps',
      'explore_interleavings',
      'explore_warp_reachable',
      'explore_worst_warp',
      'explore_shortest',
      'explore_hostwrite_warp_reachable',
    ]) {
      assert.ok(by.has(m), `${variant}: ${m}`);
    }
    const gauges = new Set((await prepared.gauges!()).map((c) => c.metric));
    for (const m of ['mt_reads', 'mt_warps', 'mt_worst_warp']) {
      assert.ok(gauges.has(m), `${variant}: gauge ${m}`);
      assert.ok(!by.has(m), `${variant}: ${m} is not an exact counter`);
    }
    assert.equal(by.get('explore_warp_reachable')!.value, 1, 'delta < 0 warps for both readers');
    assert.match(by.get('explore_shortest')!.detail!, /shortest counterexample/);
    const [t] = prepared.timed();
    t!.setup?.();
    assert.equal(typeof t!.run(), 'number');
    assert.equal(t!.unit, 'ns/read');
  }
});
