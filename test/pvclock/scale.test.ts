import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { kvmGetTimeScale, pvclockReadCycles, pvclockReadCyclesRef, OUT_HI, OUT_LO } from '../../src/pvclock/scale.js';

const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
const lo = (x: bigint): number => Number(x & 0xffffffffn);
const hi = (x: bigint): number => Number(x >> 32n);

function fast(tsc: bigint, ts: bigint, sys: bigint, mul: number, shift: number): bigint {
  const out = new Uint32Array(2);
  pvclockReadCycles(lo(tsc), hi(tsc), lo(ts), hi(ts), lo(sys), hi(sys), mul, shift, out);
  return (BigInt(out[OUT_HI]!) << 32n) | BigInt(out[OUT_LO]!);
}

test('the 32-bit-halves conversion equals the BigInt pvclock_scale_delta over random u64 inputs', () => {
  fc.assert(
    fc.property(
      u64,
      u64,
      u64,
      fc.integer({ min: 0, max: 0xffffffff }),
      fc.integer({ min: -63, max: 63 }),
      (tsc, ts, sys, mul, shift) => {
        assert.equal(fast(tsc, ts, sys, mul, shift), pvclockReadCyclesRef(tsc, ts, sys, mul, shift));
      },
    ),
    { numRuns: 20000 },
  );
});

test('realistic deltas: small positive deltas and kvm_get_time_scale multipliers', () => {
  fc.assert(
    fc.property(
      u64,
      fc.bigInt({ min: 0n, max: 1n << 40n }),
      u64,
      fc.constantFrom(1_999_968, 2_500_000, 2_995_200, 3_700_000, 100_000, 10_000_000),
      (ts, d, sys, khz) => {
        const { tsc_shift, tsc_to_system_mul } = kvmGetTimeScale(1e9, khz * 1000);
        const tsc = (ts + d) & ((1n << 64n) - 1n);
        assert.equal(
          fast(tsc, ts, sys, tsc_to_system_mul, tsc_shift),
          pvclockReadCyclesRef(tsc, ts, sys, tsc_to_system_mul, tsc_shift),
        );
      },
    ),
    { numRuns: 5000 },
  );
});

test('edge values: wrap of tsc - tsc_timestamp, all-ones, shifts of 0, ±31, ±32', () => {
  const M = (1n << 64n) - 1n;
  for (const [tsc, ts, sys] of [
    [0n, 1n, 0n],
    [M, 0n, M],
    [M, M, 0n],
    [1n << 63n, 0n, 1n << 63n],
    [0xffffffffn, 0n, 0xffffffffn],
  ] as const) {
    for (const shift of [-32, -31, -1, 0, 1, 31, 32]) {
      for (const mul of [0, 1, 0x80000000, 0xffffffff]) {
        assert.equal(
          fast(tsc, ts, sys, mul, shift),
          pvclockReadCyclesRef(tsc, ts, sys, mul, shift),
          `tsc=${tsc} ts=${ts} sys=${sys} mul=${mul} shift=${shift}`,
        );
      }
    }
  }
});

test('kvm_get_time_scale clone: values re-derived from kvm_get_time_scale by hand, and it never runs fast', () => {
  assert.deepEqual(kvmGetTimeScale(1e9, 2_500_000_000), { tsc_shift: -1, tsc_to_system_mul: 3435973836 });
  assert.deepEqual(kvmGetTimeScale(1e9, 2_995_200_000), { tsc_shift: -1, tsc_to_system_mul: 2867900170 });
  assert.deepEqual(kvmGetTimeScale(1e9, 1_999_968_000), { tsc_shift: 0, tsc_to_system_mul: 2147518008 });
  assert.deepEqual(kvmGetTimeScale(1e9, 3_700_000_000), { tsc_shift: -1, tsc_to_system_mul: 2321603943 });
  fc.assert(
    fc.property(fc.integer({ min: 1_000_000, max: 10_000_000_000 }), (hz) => {
      const { tsc_shift, tsc_to_system_mul } = kvmGetTimeScale(1e9, hz);
      // one second of cycles converts to at most 1e9 ns (div_frac floors)
      const ns = pvclockReadCyclesRef(BigInt(hz), 0n, 0n, tsc_to_system_mul, tsc_shift);
      assert.ok(ns <= 1_000_000_000n && ns > 999_990_000n, `hz=${hz} gave ${ns}`);
    }),
    { numRuns: 2000 },
  );
});
