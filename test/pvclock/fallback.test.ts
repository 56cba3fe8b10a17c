import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createVm } from '../../src/pvclock/vm.js';
import { drain } from '../../src/pvclock/host.js';
import { PVCLOCK_FALLBACK, type ReaderVariant } from '../../src/pvclock/reader.js';
import { reader as percpu } from '../../src/pvclock/percpu.js';
import { reader as vcpu0 } from '../../src/pvclock/vcpu0.js';

function setup(reader: ReaderVariant, masterclock: boolean, cpu: number) {
  const vm = createVm({ vcpus: 2, tscKhz: 2_500_000, cyclesPerTick: 25, masterclock, torn: false }, true);
  const cpuOf = new Int32Array(new SharedArrayBuffer(4));
  cpuOf[0] = cpu;
  return { vm, r: reader.create({ lanes: vm.area.lanes, tsc: vm.tsc, cpuOf, task: 0 }) };
}

for (const [reader, readsOwnPvti] of [
  [percpu, true],
  [vcpu0, false],
] as const) {
  test(`${reader.name}: STABLE clear (no masterclock) → PVCLOCK_FALLBACK, counted`, () => {
    const { r } = setup(reader, false, 1);
    assert.equal(r.read(), PVCLOCK_FALLBACK);
    assert.equal(r.read(), PVCLOCK_FALLBACK);
    assert.equal(r.fallbacks, 2);
  });

  test(`${reader.name}: STABLE toggled off by the host → falls back once the pvti it reads is rewritten, and back on`, () => {
    const { vm, r } = setup(reader, true, 1);
    assert.ok(r.read() > 0);
    vm.host.setMasterClock(false);
    drain(vm.host.enter(1, false)); // vCPU1 (where the task runs) enters first
    const mid = r.read();
    // percpu reads pvti[1] (rewritten); vcpu0 still reads vCPU0's stale, STABLE pvti
    if (readsOwnPvti) assert.equal(mid, PVCLOCK_FALLBACK);
    else assert.ok(mid > 0, 'vCPU0 has not entered: its pvti still says STABLE');
    drain(vm.host.enter(0, false));
    assert.equal(r.read(), PVCLOCK_FALLBACK);
    vm.host.setMasterClock(true);
    drain(vm.host.enter(0, false));
    drain(vm.host.enter(1, false));
    assert.ok(r.read() > 0);
    assert.equal(r.fallbacks, readsOwnPvti ? 2 : 1);
  });
}
