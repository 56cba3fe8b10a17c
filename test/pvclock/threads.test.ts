import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runThreads } from '../../src/pvclock/threads.js';
import { generateLoad } from '../../src/pvclock/load.js';

test('real threads, masterclock, periodic same-value updates: reads happen and none warps (INV-A1)', async () => {
  for (const variant of ['percpu', 'vcpu0']) {
    const params = { scheme: 'master', vcpus: 3, load: 'periodic', delta: 0 };
    const r = await runThreads(variant, params, generateLoad(params, 1), 1, 40);
    assert.equal(r.readers, 3);
    assert.ok(r.reads > 0);
    assert.equal(r.warps, 0, `${variant}: ${JSON.stringify(r)}`);
  }
});

test('real threads without the masterclock: every vDSO read falls back, the kernel path never warps (INV-A4)', async () => {
  const params = { scheme: 'nomaster', vcpus: 2, load: 'periodic', delta: -1000, rate: 50 };
  const r = await runThreads('percpu', params, generateLoad(params, 1), 1, 40);
  assert.equal(r.fallbacks, r.reads);
  assert.equal(r.warps, 0);
});
