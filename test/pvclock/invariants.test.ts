// The guarantees and race windows of src/pvclock/README.md, as explorer checks.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exploreCase, formatTrace } from '../../src/pvclock/findings.js';
import { reader as percpu } from '../../src/pvclock/percpu.js';
import { reader as vcpu0 } from '../../src/pvclock/vcpu0.js';
import { runGate } from '../../src/pvclock/gate.js';
import { generateLoad } from '../../src/pvclock/load.js';
import { parseCase } from '../../src/pvclock/case.js';

const DELTA = 1000;
const base = { budget: 6000, preemptionBound: 2, seed: 5 } as const;

test('masterclock, synced TSC, no rebase in flight → no warp for either reader', () => {
  for (const reader of [percpu, vcpu0]) {
    for (const load of ['idle', 'update'] as const) {
      const r = exploreCase({ ...base, reader, scheme: 'master', load, delta: 0, readsPerTask: 2 });
      assert.equal(r.violations, 0, `${reader.name} ${load}: ${formatTrace(r)}`);
    }
  }
});

test('vcpu0 + masterclock: a warp is reachable iff delta < 0, and it is at most |delta|', () => {
  for (const load of ['rebase', 'halt0'] as const) {
    const back = exploreCase({ ...base, reader: vcpu0, scheme: 'master', load, delta: -DELTA });
    assert.ok(back.violations > 0, `${load}: ${formatTrace(back)}`);
    assert.ok(back.worst <= DELTA && back.worst > DELTA / 2, `worst ${back.worst}`);
    const fwd = exploreCase({ ...base, reader: vcpu0, scheme: 'master', load, delta: DELTA, readsPerTask: 2 });
    assert.equal(fwd.violations, 0, `${load}: ${formatTrace(fwd)}`);
  }
});

test('per-cpu + rebase with vCPUs updated at different times → cross-vCPU warp ≈ |delta| for either sign (host writes pvti while guests run)', () => {
  for (const delta of [-DELTA, DELTA]) {
    const r = exploreCase({ ...base, reader: percpu, scheme: 'master', load: 'rebase', delta, updateAt: 'host' });
    assert.ok(r.violations > 0, `delta ${delta}: ${formatTrace(r)}`);
    assert.ok(r.worst <= DELTA && r.worst > DELTA / 2);
    assert.ok(
      r.shortest!.steps.some((s) => s.label.startsWith('vCPU0: read')) &&
        r.shortest!.steps.some((s) => s.label.startsWith('vCPU1: read')),
      'the warp crosses vCPUs',
    );
  }
});

test('per-cpu + rebase under the KVM entry rule (finding): with delta > 0 no per-cpu warp, because no guest code runs on a stale vCPU', () => {
  const r = exploreCase({ ...base, reader: percpu, scheme: 'master', load: 'rebase', delta: DELTA, readsPerTask: 2 });
  assert.equal(r.violations, 0, formatTrace(r));
  const m = exploreCase({ ...base, reader: percpu, scheme: 'master', load: 'migrate', delta: DELTA });
  assert.equal(m.violations, 0, formatTrace(m));
  const back = exploreCase({ ...base, reader: percpu, scheme: 'master', load: 'rebase', delta: -DELTA });
  assert.ok(back.violations > 0 && back.worst <= DELTA, 'delta < 0 still steps back once');
});

test('per-cpu without STABLE → the vDSO never returns a value, and the kernel path never warps', () => {
  for (const delta of [-DELTA, DELTA]) {
    const r = exploreCase({ ...base, reader: percpu, scheme: 'nomaster', load: 'rebase', delta, readsPerTask: 2 });
    assert.equal(r.violations, 0, formatTrace(r));
  }
  const params = { scheme: 'nomaster', vcpus: 4, load: 'periodic', delta: -DELTA, rate: 50 };
  const { gate, state } = runGate(percpu, parseCase(params), generateLoad(parseCase(params), 9), 9);
  assert.ok(gate.ok);
  assert.equal(state.fallbacks, state.reads, 'every read fell back');
  assert.equal(state.warps, 0);
});

test('the stale-CPU interleaving (getcpu → migrate → read → migrate back → getcpu) is wrong iff the pvti differ', () => {
  const mixed = { warp: false, torn: true, mixed: true };
  // per-vCPU bases that differ (unsynced TSC, STABLE set by a hypothetical host): wrong value
  const differ = exploreCase({
    ...base,
    budget: 8000,
    preemptionBound: 3,
    reader: percpu,
    scheme: 'nomaster',
    load: 'migrate',
    delta: 0,
    checks: mixed,
    stableWithoutMasterclock: true,
    tscOffset: [0, 5000],
  });
  assert.ok(differ.violations > 0, formatTrace(differ));
  assert.match(differ.shortest!.violation, /mixed read/);
  assert.ok(
    differ.shortest!.steps.filter((s) => s.thread === 'sched' && /migrates/.test(s.label)).length === 2,
    formatTrace(differ),
  );
  // masterclock, synced TSC: identical pvti, the mix is harmless
  const same = exploreCase({ ...base, reader: percpu, scheme: 'master', load: 'migrate', delta: 0, checks: mixed });
  assert.equal(same.violations, 0, formatTrace(same));
});

test('cross-path: vDSO and syscall timestamps mixed while vCPU0 sleeps on the old base', () => {
  // vcpu0: the kernel reads its own (updated) pvti, the vDSO reads vCPU0's stale one → a step back of ≈ delta even for delta > 0
  const v = exploreCase({ ...base, reader: vcpu0, scheme: 'master', load: 'halt0', delta: DELTA, syscallReads: true });
  assert.ok(v.violations > 0 && v.worst <= DELTA && v.worst > DELTA / 2, formatTrace(v));
  assert.ok(v.shortest!.steps.some((s) => /clock_gettime syscall/.test(s.label)));
  // percpu: both paths read the running vCPU's own pvti, which is never stale while it runs
  const p = exploreCase({ ...base, reader: percpu, scheme: 'master', load: 'halt0', delta: DELTA, syscallReads: true });
  assert.equal(p.violations, 0, formatTrace(p));
});
