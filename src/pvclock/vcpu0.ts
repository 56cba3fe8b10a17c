// Lutomirski's vCPU0-only reader ("x86, vdso, pvclock: Simplify and speed up the vdso pvclock
// reader", Dec 2015, merged for 4.5; today vread_pvclock() in
// arch/x86/include/asm/vdso/gettimeofday.h): pvti[0] → version → STABLE → rdtsc → scale →
// version again. No getcpu: "we interpret that bit to mean that all vCPUs have matching pvti
// and that the TSC is synced, so we can just look at vCPU 0's pvti". It relies on KVM writing
// every pvti with separate version stores, so vCPU0's updates are atomic as seen by all vCPUs.
import { LANE_SHIFT_FLAGS, LANE_TSC_HI, LANE_TSC_LO, LANE_VERSION, PVCLOCK_TSC_STABLE_BIT, scalePvti } from './pvti.js';
import { OUT_HI, OUT_LO } from './scale.js';
import {
  PVCLOCK_FALLBACK,
  newObs,
  type GuestEnv,
  type PvclockReader,
  type ReadObs,
  type ReaderVariant,
} from './reader.js';
import type { SimTsc } from './tsc.js';

const TWO32 = 4294967296;

class Vcpu0Reader implements PvclockReader {
  retries = 0;
  fallbacks = 0;
  readonly obs: ReadObs = newObs();
  private readonly lanes: Int32Array;
  private readonly tsc: SimTsc;
  private readonly cpuOf: Int32Array;
  private readonly task: number;
  private readonly out = new Uint32Array(2);

  constructor(env: GuestEnv) {
    this.lanes = env.lanes;
    this.tsc = env.tsc;
    this.cpuOf = env.cpuOf;
    this.task = env.task;
  }

  read(): number {
    const L = this.lanes; // get_pvti0(): line 0
    const out = this.out;
    for (;;) {
      const version = Atomics.load(L, LANE_VERSION); // pvclock_read_begin(): load; virt_rmb()
      const sf = L[LANE_SHIFT_FLAGS]!;
      if (((sf >>> 8) & PVCLOCK_TSC_STABLE_BIT) === 0) {
        this.fallbacks++;
        return PVCLOCK_FALLBACK;
      }
      const tsc = this.tsc.rdtsc(this.cpuOf[this.task]!); // rdtsc_ordered() on whichever vCPU runs us
      scalePvti(L, 0, sf, tsc, L[LANE_TSC_LO]! >>> 0, L[LANE_TSC_HI]! >>> 0, out);
      const version1 = Atomics.load(L, LANE_VERSION); // pvclock_read_retry(): virt_rmb(); reload
      if ((version & 1) === 0 && version1 === version) {
        const obs = this.obs;
        obs.pvti = 0;
        obs.version = version;
        obs.tsc = tsc;
        obs.retries = this.retries;
        return out[OUT_HI]! * TWO32 + out[OUT_LO]!;
      }
      this.retries++;
    }
  }
}

function* vcpu0Steps(env: GuestEnv, obs: ReadObs): Generator<string, number, void> {
  const L = env.lanes;
  const out = new Uint32Array(2);
  for (;;) {
    const version = Atomics.load(L, LANE_VERSION);
    yield `pvti[0].version → ${version}`;
    const sf = L[LANE_SHIFT_FLAGS]!;
    if (((sf >>> 8) & PVCLOCK_TSC_STABLE_BIT) === 0) return PVCLOCK_FALLBACK;
    yield `pvti[0].flags → STABLE`;
    const tscCpu = env.cpuOf[env.task]!;
    const tsc = env.tsc.rdtsc(tscCpu);
    yield `rdtsc on vCPU${tscCpu} → ${tsc}`;
    const tsLo = L[LANE_TSC_LO]! >>> 0;
    const tsHi = L[LANE_TSC_HI]! >>> 0;
    yield `pvti[0].tsc_timestamp → ${tsHi * TWO32 + tsLo}`;
    const value = scalePvti(L, 0, sf, tsc, tsLo, tsHi, out);
    yield `pvti[0].system_time → scaled: ${value}`;
    const version1 = Atomics.load(L, LANE_VERSION);
    if ((version & 1) === 0 && version1 === version) {
      obs.pvti = 0;
      obs.version = version;
      obs.tsc = tsc;
      obs.tscCpu = tscCpu;
      return value;
    }
    obs.retries++;
    yield `pvti[0].version → ${version1}: retry`;
  }
}

/** this file, for the vCPU worker threads (threads.ts) */
export const url: string = import.meta.url;

export const reader: ReaderVariant = {
  name: 'vcpu0',
  create: (env) => new Vcpu0Reader(env),
  steps: vcpu0Steps,
  // one page: vCPU0's pvti in the vvar area (Lutomirski's series moved it out of the fixmap)
  pvtiPages: () => 1,
};
