import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exploreCase } from '../../src/vcpuinfo/findings.js';
import { HOSTS } from '../../src/vcpuinfo/load.js';
import { STRATEGIES } from './helpers.js';

const base = {
  host: HOSTS['xen-4.18']!,
  cancelled: false,
  fail: false,
  injection: 'edge' as const,
  budget: 400,
  seed: 1,
};

test('remote-register: an event is lost when the target takes its callback between the swap and its new pointer', () => {
  const r = exploreCase({ ...base, strategy: STRATEGIES.remoteRegister, shape: 'slot', check: 'harm' });
  assert.ok(r.violations > 0);
  const labels = r.shortest!.steps.map((s) => `${s.thread}: ${s.label}`);
  const mark = labels.indexOf('vcpu0: register(1): all selector bits, upcall_pending');
  const take = labels.indexOf('vcpu1: upcall');
  const point = labels.indexOf("vcpu0: vcpu1's pointer → its area");
  assert.ok(mark >= 0 && mark < take && take < point, labels.join('\n'));
  assert.match(r.shortest!.violation, /event lost/);
});

test('remote-register beyond the shared_info slots: an upcall through a NULL vcpu_info', () => {
  const r = exploreCase({ ...base, strategy: STRATEGIES.remoteRegister, shape: 'beyond', check: 'harm' });
  assert.ok(r.violations > 0);
});

test('the strategies that keep the APs out of guest code find no harm and no stale upcall in the budget', () => {
  for (const s of [STRATEGIES.linuxDownUp, STRATEGIES.freebsdSelf, STRATEGIES.toolstackRestore]) {
    for (const shape of ['slot', 'beyond'] as const) {
      const r = exploreCase({ ...base, strategy: s, shape, check: 'stale' });
      assert.equal(r.violations, 0, `${s.name} ${shape}`);
      assert.equal(r.deadlocks, 0, `${s.name} ${shape}`);
    }
  }
});

test('remote-register through the level-triggered callback vector: Xen re-injects while upcall_pending is set, nothing is lost', () => {
  const r = exploreCase({
    ...base,
    injection: 'level',
    strategy: STRATEGIES.remoteRegister,
    shape: 'slot',
    check: 'harm',
  });
  assert.equal(r.violations, 0);
  const stale = exploreCase({
    ...base,
    injection: 'level',
    strategy: STRATEGIES.remoteRegister,
    shape: 'slot',
    check: 'stale',
  });
  assert.ok(stale.violations > 0, 'but it does take upcalls through a stale area');
});

test('remote registration without resetting the pointer first is safe: the area re-registered is the one the guest reads', () => {
  const keep = { ...STRATEGIES.remoteRegister, bspSelf: ['register'] as const, bspPerAp: ['register'] as const };
  for (const shape of ['slot', 'beyond'] as const) {
    const r = exploreCase({ ...base, strategy: keep, shape, check: 'harm' });
    assert.equal(r.violations, 0, shape);
  }
});
