// The gate judges a reading by the age of the pvti it used (age.ts): on a TSC that runs off
// its advertised rate the clock a reader computes parts from the host's by age × drift, and the
// next masterclock update pulls it back (a warp for a fast TSC). With the pvti written `age`
// before the reads, the gate must see both; ignoring the age would leave ~3 ns of drift.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCase } from '../../src/pvclock/case.js';
import { runGate } from '../../src/pvclock/gate.js';
import { generateLoad } from '../../src/pvclock/load.js';
import { reader as percpu } from '../../src/pvclock/percpu.js';
import { reader as vcpu0 } from '../../src/pvclock/vcpu0.js';
import type { Params } from '../../src/harness/kit.js';

const gate = (reader: typeof percpu, p: Params) => {
  const c = parseCase(p);
  const r = runGate(reader, c, generateLoad(c, 1), 1);
  assert.ok(r.gate.ok, JSON.stringify(r.gate));
  return r.state;
};

test('a matched drift of 100 ppm over a 1 s old pvti: 100 µs of error, and the rebase warps by it', () => {
  for (const reader of [percpu, vcpu0]) {
    const old = gate(reader, { load: 'rebase', delta: 1000, drift: 100, age: 1e9 });
    assert.equal(old.masterAtBoot, true); // the same rate on every vCPU: KVM keeps the masterclock
    assert.ok(Math.abs(old.age.ageError - 1e5) < 1e3, `error ${old.age.ageError}`);
    assert.ok(old.age.pvtiAge >= 1e9, `age ${old.age.pvtiAge}`);
    // δ = +1000 alone never warps; the drift's 100 µs, less δ, does
    assert.ok(old.warps > 0 && old.worstWarp > 98_000 && old.worstWarp < 100_000, `warp ${old.worstWarp}`);
    const fresh = gate(reader, { load: 'rebase', delta: 1000, drift: 100 });
    assert.equal(fresh.warps, 0);
    assert.ok(fresh.age.ageError < 1, `error ${fresh.age.ageError}`);
  }
});

test('a slow TSC: the same error, the update jumps forward, no warp; no drift: no error at any age', () => {
  const slow = gate(percpu, { load: 'rebase', delta: 1000, drift: -100, age: 1e9 });
  assert.ok(Math.abs(slow.age.ageError - 1e5) < 1e3);
  assert.equal(slow.warps, 0);
  const none = gate(percpu, { load: 'rebase', delta: 1000, age: 1e9 });
  assert.ok(none.age.ageError < 1 && none.age.pvtiAge >= 1e9);
});

test('an unmatched drift: no masterclock, and last_value holds the clock while the slow vCPU catches up', () => {
  const s = gate(vcpu0, { load: 'rebase', delta: 1000, drift: '0:100', age: 1e9 });
  assert.equal(s.masterAtBoot, false);
  assert.equal(s.fallbacks, s.reads);
  assert.equal(s.warps, 0);
  // vCPU1 ran 100 µs ahead; once its update pulls it back, last_value holds every reader at
  // the high value for longer than the gate's run
  assert.ok(s.lastValueClamped > s.reads / 2, `clamped ${s.lastValueClamped}`);
  const fresh = gate(vcpu0, { load: 'rebase', delta: 1000, drift: '0:100' });
  assert.ok(fresh.lastValueClamped < s.lastValueClamped / 2, `clamped ${fresh.lastValueClamped}`);
});
