import { test } from 'node:test';
import assert from 'node:assert/strict';
import suite from '../../bench/vcpuinfo.js';
import { applies, prepare, runnable, unsupportedOf } from '../suite-helpers.js';

test('shared-info runs 32 vCPUs and names the limit at 33', async () => {
  const ok = runnable(await prepare(suite, 'shared-info', { vcpus: 32, rate: 'busy', explore: 0 }));
  assert.ok(ok.gate().ok);
  const cap = (await ok.counters()).find((c) => c.metric === 'capacity');
  assert.equal(cap?.value, 32);
  const msg = unsupportedOf(await prepare(suite, 'shared-info', { vcpus: 33, rate: 'busy', explore: 0 }));
  assert.match(msg ?? '', /XEN_LEGACY_MAX_VCPUS = 32/);
});

test('registered areas run 33 and 128 vCPUs on HVM, stop at HVM_MAX_VCPUS, and go to 512 on PV', async () => {
  for (const vcpus of [33, 128]) {
    const p = runnable(await prepare(suite, 'freebsd-self', { vcpus, rate: 'idle', explore: 0 }));
    assert.ok(p.gate().ok);
  }
  const over = unsupportedOf(await prepare(suite, 'linux-down-up', { vcpus: 129, rate: 'idle', explore: 0 }));
  assert.match(over ?? '', /at most 128 vCPUs/);
  const pv = runnable(await prepare(suite, 'linux-down-up', { vcpus: 512, rate: 'idle', guest: 'pv', explore: 0 }));
  assert.ok(pv.gate().ok);
  assert.equal(await applies(suite, 'freebsd-self', { vcpus: 512, guest: 'pv' }), false, 'FreeBSD is HVM-only here');
});

test('bad parameters are refused with what would be right', () => {
  assert.throws(() => suite.load.generate({ vcpus: 0 }, 1), /vcpus must be an integer in \[1, 2047\]/);
  assert.throws(() => suite.load.generate({ vcpus: 4, host: 'xen-3' }, 1), /host=xen-3 is not valid \(one of/);
  assert.throws(() => suite.load.generate({ vcpus: 4, fail: 4 }, 1), /fail must be -1 \(none\) or a vCPU in \[0, 3\]/);
});
