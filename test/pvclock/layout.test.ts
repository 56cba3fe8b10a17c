import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  PVTI_FLAGS,
  PVTI_PAD,
  PVTI_PAD0,
  PVTI_SIZE,
  PVTI_STRIDE,
  PVTI_SYSTEM_TIME,
  PVTI_TSC_SHIFT,
  PVTI_TSC_TIMESTAMP,
  PVTI_TSC_TO_SYSTEM_MUL,
  PVTI_VERSION,
  PVCLOCK_TSC_STABLE_BIT,
  PvtiArea,
  readBody,
} from '../../src/pvclock/pvti.js';
import { createVm } from '../../src/pvclock/vm.js';
import { drain } from '../../src/pvclock/host.js';

test('pvclock_vcpu_time_info offsets match pvclock-abi.h (packed, 32 bytes)', () => {
  assert.deepEqual(
    [
      PVTI_VERSION,
      PVTI_PAD0,
      PVTI_TSC_TIMESTAMP,
      PVTI_SYSTEM_TIME,
      PVTI_TSC_TO_SYSTEM_MUL,
      PVTI_TSC_SHIFT,
      PVTI_FLAGS,
      PVTI_PAD,
      PVTI_SIZE,
    ],
    [0, 4, 8, 16, 24, 28, 29, 30, 32],
  );
  assert.equal(PVTI_STRIDE, 64, 'one pvti per SMP_CACHE_BYTES line');
  const area = new PvtiArea(3);
  assert.ok(area.buffer instanceof SharedArrayBuffer);
  assert.equal(area.buffer.byteLength, 3 * 64);
});

test('the host writes each field at its ABI byte offset, in its own line, pads untouched', () => {
  const vm = createVm({ vcpus: 3, tscKhz: 2_500_000, cyclesPerTick: 25, masterclock: true, torn: false }, true);
  vm.host.snapshotAndQueue(-1234);
  drain(vm.host.enter(1, false));
  const dv = new DataView(vm.area.buffer);
  const line = 1 * PVTI_STRIDE;
  const body = readBody(vm.area.lanes, 1);
  assert.equal(dv.getUint32(line + PVTI_VERSION, true), 4, 'boot write (2) then one update (4)');
  assert.equal(dv.getUint32(line + PVTI_PAD0, true), 0);
  assert.equal(dv.getBigUint64(line + PVTI_TSC_TIMESTAMP, true), BigInt(body.tsc_timestamp));
  assert.equal(dv.getBigUint64(line + PVTI_SYSTEM_TIME, true), BigInt(body.system_time));
  assert.equal(dv.getUint32(line + PVTI_TSC_TO_SYSTEM_MUL, true), 3435973836, 'kvm_get_time_scale(1e9, 2.5 GHz)');
  assert.equal(dv.getInt8(line + PVTI_TSC_SHIFT), -1);
  assert.equal(dv.getUint8(line + PVTI_FLAGS), PVCLOCK_TSC_STABLE_BIT);
  assert.equal(dv.getUint16(line + PVTI_PAD, true), 0);
  for (let b = PVTI_SIZE; b < PVTI_STRIDE; b++)
    assert.equal(dv.getUint8(line + b), 0, `byte ${b} past the pvti stays 0`);
  assert.ok(body.tsc_timestamp > 2 ** 32 && body.system_time > 2 ** 32, 'both lanes of the u64 fields are in use');
});
