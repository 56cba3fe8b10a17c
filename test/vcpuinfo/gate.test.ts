import { test } from 'node:test';
import assert from 'node:assert/strict';
import suite from '../../bench/vcpuinfo.js';
import { gateOf, verdict } from '../../src/vcpuinfo/gate.js';
import { prepare, runnable } from '../suite-helpers.js';
import { forgetful, resumeOf, STRATEGIES } from './helpers.js';

const storm = { vcpus: 8, rate: 'storm', explore: 0 };

test('a strategy that never re-registers fails the gate with the first event it loses', () => {
  const r = resumeOf(forgetful, storm);
  const g = gateOf(r);
  assert.equal(g.ok, false);
  if (g.ok) return;
  assert.match(g.expected, /^send #\d+ \(port \d+, vcpu\d+\) delivered once$/);
  assert.match(g.actual, /never delivered/);
  // the first lost send is the earliest send still owed at the end, and it went to an AP
  const port = Number(/port (\d+)/.exec(g.expected)![1]);
  assert.notEqual(r.m.cfg.bindOf[port], 0, 'vCPU 0 re-registers nothing either, but it never changed pointers');
});

test('the faithful strategies deliver every send of a storm exactly once', () => {
  for (const s of [STRATEGIES.linuxDownUp, STRATEGIES.freebsdSelf, STRATEGIES.toolstackRestore]) {
    const r = resumeOf(s, { vcpus: 33, rate: 'storm', explore: 0 });
    const g = gateOf(r);
    assert.ok(g.ok, `${s.name}: ${JSON.stringify(g)}`);
    assert.equal(g.checked, r.sends.length);
    assert.equal(r.m.log.filter((e) => e > 0).length, r.sends.length);
    assert.equal(r.m.staleUpcalls, 0, s.name);
  }
});

test('a delivery that no send asked for is reported as a duplicate', () => {
  const r = resumeOf(STRATEGIES.linuxDownUp, storm);
  const firstDelivery = -r.m.log.find((e) => e < 0)!;
  r.m.log.push(-firstDelivery, -firstDelivery);
  const f = verdict(r);
  assert.equal(f?.kind, 'duplicate');
});

test("remote-register fails the gate honestly, and its row carries the explorer's counterexample", async () => {
  const params = { vcpus: 8, rate: 'storm', upcall: 'lapic', explore: 300 };
  const g = runnable(await prepare(suite, 'remote-register', params)).gate();
  assert.equal(g.ok, false);
  if (g.ok) return;
  assert.match(g.actual, /never delivered: vcpu\d+ gets no more callbacks/);
  assert.match(g.actual, /explorer \(slot\): .*shortest counterexample/);
});

test('a cancelled suspend keeps every registration: no hypercall, every send delivered', () => {
  for (const s of Object.values(STRATEGIES)) {
    const vcpus = s.placement === 'shared-info' ? 32 : 33; // within each one's capacity
    const r = resumeOf(s, { vcpus, rate: 'storm', suspend: 'cancel', explore: 0 });
    assert.ok(gateOf(r).ok, s.name);
    const h = r.m.hypercalls;
    assert.equal(h.is_up + h.down + h.register + h.up + r.m.toolstackOps, 0, s.name);
  }
});

test('one failed registration: Linux leaves that vCPU down, FreeBSD falls back to a slot that does not exist', () => {
  const below = resumeOf(STRATEGIES.linuxDownUp, { vcpus: 4, rate: 'storm', fail: 1, explore: 0 });
  assert.ok(gateOf(below).ok, 'below 32 the shared_info slot serves');
  const l = gateOf(resumeOf(STRATEGIES.linuxDownUp, { vcpus: 33, rate: 'storm', fail: 32, explore: 0 }));
  assert.ok(!l.ok && /vcpu32 stayed down/.test(l.actual));
  const f = gateOf(resumeOf(STRATEGIES.freebsdSelf, { vcpus: 33, rate: 'storm', fail: 32, explore: 0 }));
  assert.ok(!f.ok && /vcpu32 took an event upcall through a NULL vcpu_info/.test(f.actual));
});

test('a pre-4.7 HVM host: VCPUOP_is_up says -ENOSYS, Linux registers no remote vCPU and falls back to the slots', () => {
  const r = resumeOf(STRATEGIES.linuxDownUp, { vcpus: 4, rate: 'busy', host: 'hvm-pre-4.7', explore: 0 });
  assert.ok(gateOf(r).ok);
  assert.equal(r.m.hypercalls.down, 0);
  assert.equal(r.m.hypercalls.register, 2, "vCPU 0's own, then vCPU 1's refused; placement is off after it");
  assert.equal(r.m.hypercalls.register_failed, 1);
  const big = gateOf(resumeOf(STRATEGIES.linuxDownUp, { vcpus: 33, rate: 'storm', host: 'hvm-pre-4.7', explore: 0 }));
  assert.ok(!big.ok && /vcpu32/.test(big.actual), 'vCPU 32 has no slot to fall back to');
});
