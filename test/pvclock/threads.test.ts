import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runThreads } from '../../src/pvclock/threads.js';
import { generateLoad } from '../../src/pvclock/load.js';
import { parseCase } from '../../src/pvclock/case.js';
import * as percpu from '../../src/pvclock/percpu.js';
import * as vcpu0 from '../../src/pvclock/vcpu0.js';

test('real threads, masterclock, periodic same-value updates: reads happen and none warps', async () => {
  for (const variant of [percpu, vcpu0]) {
    const c = parseCase({ scheme: 'master', vcpus: 3, load: 'periodic', delta: 0 });
    const r = await runThreads(variant, c, generateLoad(c, 1), 40);
    assert.equal(r.readers, 3);
    assert.ok(r.reads > 0);
    assert.equal(r.warps, 0, `${variant.reader.name}: ${JSON.stringify(r)}`);
  }
});

test('real threads without the masterclock: every vDSO read falls back, the kernel path never warps', async () => {
  const c = parseCase({ scheme: 'nomaster', vcpus: 2, load: 'periodic', delta: -1000, rate: 50 });
  const r = await runThreads(percpu, c, generateLoad(c, 1), 40);
  assert.equal(r.fallbacks, r.reads);
  assert.equal(r.warps, 0);
});
