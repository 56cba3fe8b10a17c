// The version protocol, through the interleaving explorer: with KVM's three separate stores a
// reader never returns a value built from a half-written pvti; with the pre-4.1 torn copy one can.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exploreCase, formatTrace, type ExploreLoad } from '../../src/pvclock/findings.js';
import { reader as percpu } from '../../src/pvclock/percpu.js';
import { reader as vcpu0 } from '../../src/pvclock/vcpu0.js';

const tornOnly = { warp: false, torn: true, mixed: false };

for (const reader of [percpu, vcpu0]) {
  for (const load of ['rebase', 'update', 'halt0', 'migrate', 'stable'] as ExploreLoad[]) {
    test(`${reader.name}, ${load}: three-store protocol → no read of a half-written pvti`, () => {
      for (const updateAt of ['entry', 'host'] as const) {
        const r = exploreCase({
          reader,
          scheme: 'master',
          load,
          delta: -1000,
          budget: 3000,
          preemptionBound: 2,
          seed: 3,
          updateAt,
          checks: tornOnly,
          readsPerTask: 2,
        });
        assert.equal(r.violations, 0, formatTrace(r));
        assert.ok(r.interleavings > 100);
      }
    });
  }
}

test('torn copy (pre-4.1 host): a vcpu0 reader on another vCPU returns a value no published pvti gives', () => {
  const r = exploreCase({
    reader: vcpu0,
    scheme: 'master',
    load: 'rebase',
    delta: -1000,
    budget: 3000,
    preemptionBound: 2,
    seed: 3,
    torn: true,
    checks: tornOnly,
  });
  assert.ok(r.violations > 0);
  assert.match(r.shortest!.violation, /torn read/);
  assert.ok(
    r.shortest!.steps.some((s) => /lands first/.test(s.label)),
    formatTrace(r),
  );
});

test('torn copy (pre-4.1 host) with the host writing pvti while guests run: the per-cpu reader is hit too', () => {
  const r = exploreCase({
    reader: percpu,
    scheme: 'master',
    load: 'rebase',
    delta: 1000,
    budget: 3000,
    preemptionBound: 2,
    seed: 3,
    torn: true,
    updateAt: 'host',
    checks: tornOnly,
  });
  assert.ok(r.violations > 0, formatTrace(r));
});

test('torn copy, KVM entry rule: a per-cpu reader that stays on its vCPU never sees its own pvti mid-write', () => {
  // only vCPU k writes pvti[k], and only while it is out of guest mode
  const r = exploreCase({
    reader: percpu,
    scheme: 'master',
    load: 'rebase',
    delta: 1000,
    budget: 5000,
    preemptionBound: 2,
    seed: 3,
    torn: true,
    checks: tornOnly,
  });
  assert.equal(r.violations, 0, formatTrace(r));
  assert.ok(r.exhaustive);
});
