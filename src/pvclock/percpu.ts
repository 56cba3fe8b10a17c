// The per-CPU pvti reader of Linux ~3.8 to 4.4 (torvalds/linux:arch/x86/vdso/vclock_gettime.c,
// vread_pvclock), in the order of Lutomirski's proposal (a) in the thread "x86: kvm: Revert
// 'remove sched notifier for cross-cpu migrations'" (kvm list, March 2015): getcpu → pvti[cpu] → version → STABLE → rdtsc → scale → getcpu again →
// version again; retry if the cpu changed, or the version was odd or moved. The second
// getcpu is what makes the TSC provably come from the interval in which this task ran on
// `cpu` with that pvti valid; the version is read after it, so a vCPU that re-entered the
// guest (and rewrote its pvti) inside the window is always caught.
import {
  LANE_MUL,
  LANE_SHIFT_FLAGS,
  LANE_SYS_HI,
  LANE_SYS_LO,
  LANE_TSC_HI,
  LANE_TSC_LO,
  LANE_VERSION,
  LINE_LANES,
  PVCLOCK_TSC_STABLE_BIT,
} from './pvti.js';
import { pvclockReadCycles, OUT_HI, OUT_LO } from './scale.js';
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

class PercpuReader implements PvclockReader {
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
    const L = this.lanes;
    const cpuOf = this.cpuOf;
    const task = this.task;
    const out = this.out;
    for (;;) {
      const cpu = Atomics.load(cpuOf, task); // __getcpu(): RDTSCP or LSL
      const b = cpu * LINE_LANES;
      const version = Atomics.load(L, b + LANE_VERSION); // pvclock_read_begin(): load; virt_rmb()
      const sf = L[b + LANE_SHIFT_FLAGS]!;
      if (((sf >>> 8) & PVCLOCK_TSC_STABLE_BIT) === 0) {
        this.fallbacks++;
        return PVCLOCK_FALLBACK;
      }
      const tsc = this.tsc.rdtsc(cpuOf[task]!); // rdtsc_ordered() on whichever vCPU runs us now
      pvclockReadCycles(
        tsc >>> 0,
        Math.floor(tsc / TWO32),
        L[b + LANE_TSC_LO]! >>> 0,
        L[b + LANE_TSC_HI]! >>> 0,
        L[b + LANE_SYS_LO]! >>> 0,
        L[b + LANE_SYS_HI]! >>> 0,
        L[b + LANE_MUL]! >>> 0,
        (sf << 24) >> 24,
        out,
      );
      const cpu1 = Atomics.load(cpuOf, task); // __getcpu() again
      const version1 = Atomics.load(L, b + LANE_VERSION); // virt_rmb(); version again
      if (cpu1 === cpu && (version & 1) === 0 && version1 === version) {
        const obs = this.obs;
        obs.pvti = cpu;
        obs.version = version;
        obs.tsc = tsc;
        obs.retries = this.retries;
        return out[OUT_HI]! * TWO32 + out[OUT_LO]!;
      }
      this.retries++;
    }
  }
}

function* percpuSteps(env: GuestEnv, obs: ReadObs): Generator<string, number, void> {
  const L = env.lanes;
  const out = new Uint32Array(2);
  for (;;) {
    const cpu = Atomics.load(env.cpuOf, env.task);
    yield `getcpu → ${cpu}`;
    const b = cpu * LINE_LANES;
    const version = Atomics.load(L, b + LANE_VERSION);
    yield `pvti[${cpu}].version → ${version}`;
    const sf = L[b + LANE_SHIFT_FLAGS]!;
    if (((sf >>> 8) & PVCLOCK_TSC_STABLE_BIT) === 0) return PVCLOCK_FALLBACK;
    yield `pvti[${cpu}].flags → STABLE`;
    const tscCpu = env.cpuOf[env.task]!;
    const tsc = env.tsc.rdtsc(tscCpu);
    yield `rdtsc on vCPU${tscCpu} → ${tsc}`;
    const tsLo = L[b + LANE_TSC_LO]! >>> 0;
    const tsHi = L[b + LANE_TSC_HI]! >>> 0;
    yield `pvti[${cpu}].tsc_timestamp → ${tsHi * TWO32 + tsLo}`;
    pvclockReadCycles(
      tsc >>> 0,
      Math.floor(tsc / TWO32),
      tsLo,
      tsHi,
      L[b + LANE_SYS_LO]! >>> 0,
      L[b + LANE_SYS_HI]! >>> 0,
      L[b + LANE_MUL]! >>> 0,
      (sf << 24) >> 24,
      out,
    );
    const value = out[OUT_HI]! * TWO32 + out[OUT_LO]!;
    yield `pvti[${cpu}].system_time → scaled: ${value}`;
    const cpu1 = Atomics.load(env.cpuOf, env.task);
    yield `getcpu → ${cpu1}`;
    const version1 = Atomics.load(L, b + LANE_VERSION);
    if (cpu1 === cpu && (version & 1) === 0 && version1 === version) {
      obs.pvti = cpu;
      obs.version = version;
      obs.tsc = tsc;
      obs.tscCpu = tscCpu;
      return value;
    }
    obs.retries++;
    yield `pvti[${cpu}].version → ${version1}: retry`;
  }
}

/** this file, for the vCPU worker threads (threads.ts) */
export const url: string = import.meta.url;

export const reader: ReaderVariant = {
  name: 'percpu',
  create: (env) => new PercpuReader(env),
  steps: percpuSteps,
};
