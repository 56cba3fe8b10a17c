// The cases of the 2015 thread and its sequels: the pre-4.1 host's torn pvti copy with a task
// migrated inside its read (the revert), KVM_SET_CLOCK on a running VM (4.9-5.15), and the
// vDSO's cycle_last clamp.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exploreCase, formatTrace } from '../../src/pvclock/findings.js';
import { parseCase } from '../../src/pvclock/case.js';
import { runGate } from '../../src/pvclock/gate.js';
import { generateLoad } from '../../src/pvclock/load.js';
import { newObs } from '../../src/pvclock/reader.js';
import { LANE_MIGRATE_COUNT, LINE_LANES } from '../../src/pvclock/pvti.js';
import { createVm } from '../../src/pvclock/vm.js';
import { reader as percpu } from '../../src/pvclock/percpu.js';
import { reader as percpuV40 } from '../../src/pvclock/percpu-v40.js';
import { reader as vcpu0 } from '../../src/pvclock/vcpu0.js';

const revert = { scheme: 'master', load: 'revert', delta: 1000, budget: 6000, preemptionBound: 3, seed: 1 } as const;

test('revert case, 4.0 host: the v4.0 reader accepts a torn pvti (the notifier bumped migrate_count before it was read)', () => {
  const r = exploreCase({ ...revert, reader: percpuV40, torn: true });
  assert.ok(r.exhaustive && r.violations > 0, formatTrace(r));
  assert.match(r.shortest!.violation, /torn read/);
  const labels = r.shortest!.steps.map((s) => s.label);
  const bump = labels.findIndex((l) => /notifier: pvti\[0\]\.migrate_count\+\+/.test(l));
  const load = labels.findIndex((l) => /pvti\[0\]\.migrate_count → /.test(l));
  assert.ok(bump >= 0 && load > bump, `the count is read after the bump: ${formatTrace(r)}`);
  assert.ok(labels.some((l) => /lands first/.test(l)));
  assert.equal(r.worst, 1000, 'the old body under the new version: off by delta');
});

test('revert case on a VM whose pvti are 1 ms old: a torn mix of new tsc_timestamp and old system_time is 1 ms off', () => {
  const r = exploreCase({ ...revert, reader: percpuV40, torn: true, ageNs: 1_000_000 });
  assert.ok(r.exhaustive && r.violations > 0, formatTrace(r));
  assert.ok(r.worst > 1_000_000 && r.worst < 1_002_000, `worst ${r.worst}`);
});

test('revert case: the 4.1 reader is hit on the 4.0 host too, and neither per-cpu reader on a 4.1+ host', () => {
  const old = exploreCase({ ...revert, reader: percpu, torn: true });
  assert.ok(old.exhaustive && old.violations > 0, formatTrace(old));
  for (const reader of [percpu, percpuV40]) {
    const fixed = exploreCase({ ...revert, reader, torn: false });
    assert.ok(fixed.exhaustive, formatTrace(fixed));
    assert.equal(fixed.violations, 0, formatTrace(fixed));
  }
});

test("the vcpu0 reader on a 4.0 host reads torn pvti without any migration (the thread's backward-compatibility worry)", () => {
  const r = exploreCase({ ...revert, load: 'rebase', reader: vcpu0, torn: true, preemptionBound: 2 });
  assert.ok(r.violations > 0, formatTrace(r));
  assert.ok(!r.shortest!.steps.some((s) => s.thread === 'sched'));
  assert.match(r.shortest!.violation, /torn read/);
});

test('pvclock_task_migrate: only the cpu the task leaves has its migrate_count bumped', () => {
  const vm = createVm({ vcpus: 2, tscKhz: 2_500_000, cyclesPerTick: 25, masterclock: true, torn: false }, false);
  percpuV40.taskMigrated!(vm.area.lanes, 1);
  assert.equal(vm.area.lanes[1 * LINE_LANES + LANE_MIGRATE_COUNT], 1);
  assert.equal(vm.area.lanes[0 * LINE_LANES + LANE_MIGRATE_COUNT], 0);
});

test('KVM_SET_CLOCK on a running VM: per-cpu warps for delta > 0 on 4.9-5.15, not from 5.16; vcpu0 not on 5.16', () => {
  const base = { scheme: 'master', load: 'setclock', delta: 1000, budget: 4000, preemptionBound: 2, seed: 1 } as const;
  const old = exploreCase({ ...base, reader: percpu, setClockUnblocked: true });
  assert.ok(old.violations > 0 && old.worst <= 1000 && old.worst > 500, formatTrace(old));
  assert.ok(old.shortest!.steps.some((s) => /entries not blocked/.test(s.label)));
  for (const reader of [percpu, vcpu0]) {
    const now = exploreCase({ ...base, reader, setClockUnblocked: false });
    assert.ok(now.exhaustive && now.violations === 0, formatTrace(now));
  }
});

test('cycle_last clamp: timekeeping updates turn part of a rebase back-step into stalls and bound the warp', () => {
  const params = { scheme: 'master', vcpus: 2, load: 'rebase', delta: -1000 };
  const without = parseCase(params);
  const withTicks = parseCase({ ...params, tick: 50 });
  const a = runGate(percpu, without, generateLoad(without, 1), 1).state;
  const b = runGate(percpu, withTicks, generateLoad(withTicks, 1), 1).state;
  assert.equal(a.stalls, 0);
  assert.ok(a.warps > 0);
  assert.ok(b.stalls > 0 && b.clamped > 0, `stalls ${b.stalls}, clamped ${b.clamped}`);
  assert.ok(b.worstWarp < a.worstWarp, `worst ${b.worstWarp} vs ${a.worstWarp}`);
});

test('STABLE is checked after the validated read (3.x-4.4 vread_pvclock), not before the TSC read', () => {
  const vm = createVm({ vcpus: 1, tscKhz: 2_500_000, cyclesPerTick: 25, masterclock: false, torn: false }, false);
  const env = { lanes: vm.area.lanes, tsc: vm.tsc, cpuOf: new Int32Array(1), task: 0 };
  const labels: string[] = [];
  const g = percpu.steps(env, newObs());
  let r = g.next();
  while (r.done !== true) {
    labels.push(r.value);
    r = g.next();
  }
  assert.equal(r.value, -1);
  assert.ok(labels.some((l) => l.startsWith('rdtsc')) && labels.at(-1)!.startsWith('getcpu'), labels.join(' | '));
});

test("Lutomirski's window: masterclock off while vCPU0 is halted; vcpu0 warps, not with Tosatti's remedy, percpu never", () => {
  const base = { scheme: 'master', load: 'unstable', budget: 6000, preemptionBound: 2, seed: 1 } as const;
  for (const delta of [-1000, 1000]) {
    const open = exploreCase({ ...base, delta, reader: vcpu0 });
    assert.ok(open.exhaustive && open.violations > 0, formatTrace(open));
    assert.ok(open.shortest!.steps.some((s) => /keeps its STABLE pvti/.test(s.label)));
    const fixed = exploreCase({ ...base, delta, reader: vcpu0, force0: true });
    assert.ok(fixed.exhaustive && fixed.violations === 0, formatTrace(fixed));
    const own = exploreCase({ ...base, delta, reader: percpu });
    assert.ok(own.exhaustive && own.violations === 0, formatTrace(own));
  }
});

test('a vCPU0 that is merely late to re-enter (not halted) is enough for the vcpu0/syscall mismatch', () => {
  const base = { scheme: 'master', load: 'late0', delta: 1000, budget: 6000, preemptionBound: 2, seed: 1 } as const;
  const v = exploreCase({ ...base, reader: vcpu0, syscallReads: true });
  assert.ok(v.exhaustive && v.violations > 0 && v.worst <= 1000, formatTrace(v));
  assert.ok(!v.shortest!.steps.some((s) => /wakes from HLT/.test(s.label)));
  const p = exploreCase({ ...base, reader: percpu, syscallReads: true });
  assert.ok(p.exhaustive && p.violations === 0, formatTrace(p));
});
