import { test } from 'node:test';
import assert from 'node:assert/strict';
import suite from '../../bench/pvclock.js';
import { applies, prepare, runnable } from '../suite-helpers.js';

test('a case end to end: gate, counters (exact and gauges, traces in detail), a timed body that returns a number', async () => {
  const params = { scheme: 'master', vcpus: 2, load: 'rebase', delta: -1000, hostwrite: 1, explore: 2000 };
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
      'gate_stalls',
      'vdso_pvti_pages',
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

test('the v4.0 reader is measured on a host of its own time only; KVM_SET_CLOCK cases are not timed', async () => {
  const revert = { scheme: 'master', vcpus: 2, load: 'revert', delta: 1000, host: '4.0', bound: 3 };
  assert.equal(await applies(suite, 'percpu-v4.0', revert), true);
  assert.equal(await applies(suite, 'percpu-v4.0', { ...revert, host: '5.16' }), false);
  assert.equal(await applies(suite, 'percpu', revert), true);
  const setclock = { scheme: 'master', vcpus: 2, load: 'setclock', delta: 1000, host: '4.9', explore: 500 };
  assert.deepEqual(runnable(await prepare(suite, 'vcpu0', setclock)).timed(), []);
});

test('pages the vDSO maps for pvti: the per-cpu fixmap holds every possible CPU, vcpu0 one vvar page', async () => {
  const params = { scheme: 'master', vcpus: 4, load: 'periodic', delta: 0, explore: 200 };
  const pages = async (variant: string) => {
    const p = runnable(await prepare(suite, variant, params));
    p.gate();
    const by = new Map((await p.counters()).map((c) => [c.metric, c.value]));
    return [by.get('vdso_pvti_pages'), by.get('vdso_pvti_pages_used')];
  };
  assert.deepEqual(await pages('percpu'), [128, 1]); // (8192 - 1) / (4096 / 64) + 1
  assert.deepEqual(await pages('vcpu0'), [1, 1]);
});
