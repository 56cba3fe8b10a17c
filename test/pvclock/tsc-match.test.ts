// TSC offset and drift as case parameters, and KVM's rule that the masterclock (and so
// PVCLOCK_TSC_STABLE_BIT) needs the vCPUs' TSCs matched (kvm_track_tsc_matching,
// pvclock_update_vm_gtod_copy).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCase } from '../../src/pvclock/case.js';
import { exploreCase, formatTrace } from '../../src/pvclock/findings.js';
import { runGate } from '../../src/pvclock/gate.js';
import { generateLoad } from '../../src/pvclock/load.js';
import { reader as percpu } from '../../src/pvclock/percpu.js';
import { reader as vcpu0 } from '../../src/pvclock/vcpu0.js';
import { createVm, DEFAULT_CYCLES_PER_TICK, DEFAULT_TSC_KHZ } from '../../src/pvclock/vm.js';
import { CTL_USE_MASTER_CLOCK } from '../../src/pvclock/host.js';

test('offset and drift: per-vCPU patterns, the last value repeated; ns or cycles; ppm', () => {
  const c = parseCase({ vcpus: 3, offset: '0:1000', drift: '0:-2.5' });
  assert.deepEqual(c.offset, [0, 2500, 2500]); // 1000 ns at 2.5 GHz
  assert.deepEqual(c.driftPpb, [0, -2500, -2500]);
  assert.deepEqual(parseCase({ vcpus: 2, offset: '7c' }).offset, [7, 7]);
  assert.deepEqual(parseCase({ vcpus: 2, offset: 400 }).offset, [1000, 1000]);
  assert.deepEqual(parseCase({ vcpus: 2 }).offset, [0, 0]);
  assert.throws(() => parseCase({ vcpus: 2, offset: '1e3' }), /offset=1e3 is not valid \(integer ns, or cycles/);
  assert.throws(() => parseCase({ vcpus: 2, offset: '0:1:2' }), /3 values for 2 vCPUs/);
  assert.throws(() => parseCase({ vcpus: 2, drift: 'fast' }), /drift=fast is not valid \(ppm/);
});

test('the masterclock needs matched TSCs: an equal offset keeps it, an unmatched offset or rate turns it off', () => {
  const boot = (tscOffset: number[], tscDriftPpb: number[] = []): boolean => {
    const vm = createVm(
      {
        vcpus: 2,
        tscKhz: DEFAULT_TSC_KHZ,
        cyclesPerTick: DEFAULT_CYCLES_PER_TICK,
        masterclock: true,
        torn: false,
        tscOffset,
        tscDriftPpb,
      },
      false,
    );
    return Atomics.load(vm.ctl, CTL_USE_MASTER_CLOCK) === 1;
  };
  assert.equal(boot([2500, 2500]), true);
  assert.equal(boot([0, 2500]), false);
  assert.equal(boot([0, 0], [0, 100_000]), false);
  assert.equal(boot([0, 0], [100_000, 100_000]), true);
  // the host clocksource coming back does not turn it on while the TSCs differ
  const vm = createVm(
    { vcpus: 2, tscKhz: DEFAULT_TSC_KHZ, cyclesPerTick: DEFAULT_CYCLES_PER_TICK, masterclock: true, torn: false },
    false,
  );
  vm.host.unmatchedTscWrite(1, 2500);
  vm.host.setMasterClock(false);
  vm.host.setMasterClock(true);
  assert.equal(Atomics.load(vm.ctl, CTL_USE_MASTER_CLOCK), 0);
  // writing vCPU1's old offset back is a new generation too (KVM_VCPU_TSC_OFFSET matches only the
  // offset written last): vCPU0 must be written as well before the generations join again
  vm.sync.setOffset(1, 0, vm.sync.origin);
  vm.host.setMasterClock(true);
  assert.equal(Atomics.load(vm.ctl, CTL_USE_MASTER_CLOCK), 0);
  vm.sync.setOffset(0, 0, vm.sync.origin);
  vm.host.setMasterClock(true);
  assert.equal(Atomics.load(vm.ctl, CTL_USE_MASTER_CLOCK), 1);
});

test('unmatched TSCs: every vDSO read falls back, no warp; matched: no fallback', () => {
  for (const reader of [percpu, vcpu0]) {
    const off = parseCase({ scheme: 'master', vcpus: 2, load: 'rebase', delta: 1000, offset: '0:1000' });
    const r = runGate(reader, off, generateLoad(off, 1), 1);
    assert.ok(r.gate.ok, JSON.stringify(r.gate));
    assert.equal(r.state.masterAtBoot, false);
    assert.equal(r.state.fallbacks, r.state.reads);
    assert.equal(r.state.warps, 0);
    const same = parseCase({ scheme: 'master', vcpus: 2, load: 'readers', offset: 1000 });
    const s = runGate(reader, same, generateLoad(same, 1), 1);
    assert.ok(s.gate.ok);
    assert.equal(s.state.masterAtBoot, true);
    assert.equal(s.state.fallbacks, 0);
  }
});

test('what vcpus_matched prevents: a masterclock kept over an offset warps vcpu0 by it, never percpu', () => {
  const base = {
    budget: 6000,
    preemptionBound: 2,
    seed: 5,
    scheme: 'master',
    load: 'rebase',
    delta: 1000,
    tscOffset: [0, 2500],
  } as const;
  for (const reader of [percpu, vcpu0]) {
    const kvm = exploreCase({ ...base, reader });
    assert.equal(kvm.violations, 0, formatTrace(kvm));
  }
  const p = exploreCase({ ...base, reader: percpu, ignoreTscMatching: true });
  assert.equal(p.violations, 0, formatTrace(p));
  const v = exploreCase({ ...base, reader: vcpu0, ignoreTscMatching: true });
  assert.ok(v.violations > 0, formatTrace(v));
  assert.ok(v.worst > 900 && v.worst <= 1000, `worst ${v.worst}`);
  // drift since the pvti were written (1 s at 100 ppm) separates even percpu's clocks
  const d = exploreCase({
    ...base,
    reader: percpu,
    tscOffset: [],
    tscDriftPpb: [0, 100_000],
    ageNs: 1e9,
    ignoreTscMatching: true,
  });
  assert.ok(d.violations > 0 && d.worst > 90_000, formatTrace(d));
});

test("the explorer's timekeeper: one update anywhere among the reads does not hide the rebase warp", () => {
  const base = {
    budget: 3000,
    preemptionBound: 1,
    seed: 5,
    scheme: 'master',
    load: 'rebase',
    timekeeperTicks: 1,
  } as const;
  // bound 1 is exhaustive here (778 interleavings with the timekeeper, 92 without)
  const back = exploreCase({ ...base, reader: vcpu0, delta: -1000 });
  assert.ok(back.exhaustive && back.violations > 0 && back.worst > 900, formatTrace(back));
  for (const reader of [percpu, vcpu0]) {
    const fwd = exploreCase({ ...base, reader, delta: 1000 });
    assert.ok(fwd.exhaustive);
    assert.equal(fwd.violations, 0, formatTrace(fwd));
  }
});
