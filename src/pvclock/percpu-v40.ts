// The per-CPU pvti reader with the scheduler's migration count, as Linux 3.8 to 4.0 had it and
// as the 2015 revert restored it (kvm list, March 2015, "x86: kvm: Revert 'remove sched
// notifier for cross-cpu migrations'"; torvalds/linux:arch/x86/vdso/vclock_gettime.c,
// vread_pvclock, and arch/x86/kernel/pvclock.c:pvclock_task_migrate):
//   getcpu → pvti[cpu] → m = migrate_count → __pvclock_read_cycles (version, rdtsc, body,
//   flags) → getcpu again → retry if the cpu changed, the version is odd or moved, or
//   migrate_count moved; then the STABLE check of the validated read.
// The guest kernel's half: a task leaving vCPU c bumps pvti[c].migrate_count (the notifier
// runs on every task migration). Radim Krčmář's objection in the thread: a task migrated
// right after the first getcpu, before migrate_count is read, finds the bump already in `m`,
// so a read of pvti[cpu] done from another vCPU goes unnoticed; on a host that writes the
// pvti in one copy (before 4.1) that read can be torn. 4.1 fixed both sides ("x86: vdso: fix
// pvclock races with task migration"; "kvm: x86: fix kvmclock update protocol").
import {
  LANE_MIGRATE_COUNT,
  LANE_SHIFT_FLAGS,
  LANE_TSC_HI,
  LANE_TSC_LO,
  LANE_VERSION,
  LINE_LANES,
  PAGE_SIZE,
  PVCLOCK_TSC_STABLE_BIT,
  PVTI_STRIDE,
  scalePvti,
} from './pvti.js';
import {
  newObs,
  PVCLOCK_FALLBACK,
  type GuestEnv,
  type PvclockReader,
  type ReaderVariant,
  type ReadObs,
} from './reader.js';
import { OUT_HI, OUT_LO } from './scale.js';
import type { SimTsc } from './tsc.js';

const TWO32 = 4294967296;

class PercpuV40Reader implements PvclockReader {
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
      const cpu = Atomics.load(cpuOf, task); // __getcpu()
      const b = cpu * LINE_LANES;
      const m = Atomics.load(L, b + LANE_MIGRATE_COUNT); // pvti->migrate_count
      const version = Atomics.load(L, b + LANE_VERSION);
      const tsc = this.tsc.rdtsc(cpuOf[task]!);
      const sf = L[b + LANE_SHIFT_FLAGS]!;
      scalePvti(L, b, sf, tsc, L[b + LANE_TSC_LO]! >>> 0, L[b + LANE_TSC_HI]! >>> 0, out);
      const cpu1 = Atomics.load(cpuOf, task);
      const version1 = Atomics.load(L, b + LANE_VERSION);
      const m1 = Atomics.load(L, b + LANE_MIGRATE_COUNT);
      if (cpu1 === cpu && (version & 1) === 0 && version1 === version && m1 === m) {
        if (((sf >>> 8) & PVCLOCK_TSC_STABLE_BIT) === 0) {
          this.fallbacks++;
          return PVCLOCK_FALLBACK;
        }
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

function* percpuV40Steps(env: GuestEnv, obs: ReadObs): Generator<string, number, void> {
  const L = env.lanes;
  const out = new Uint32Array(2);
  for (;;) {
    const cpu = Atomics.load(env.cpuOf, env.task);
    yield `getcpu → ${cpu}`;
    const b = cpu * LINE_LANES;
    const m = Atomics.load(L, b + LANE_MIGRATE_COUNT);
    yield `pvti[${cpu}].migrate_count → ${m}`;
    const version = Atomics.load(L, b + LANE_VERSION);
    yield `pvti[${cpu}].version → ${version}`;
    const tscCpu = env.cpuOf[env.task]!;
    const tsc = env.tsc.rdtsc(tscCpu);
    yield `rdtsc on vCPU${tscCpu} → ${tsc}`;
    const tsLo = L[b + LANE_TSC_LO]! >>> 0;
    const tsHi = L[b + LANE_TSC_HI]! >>> 0;
    yield `pvti[${cpu}].tsc_timestamp → ${tsHi * TWO32 + tsLo}`;
    const sf = L[b + LANE_SHIFT_FLAGS]!;
    const value = scalePvti(L, b, sf, tsc, tsLo, tsHi, out);
    yield `pvti[${cpu}].system_time, flags → scaled: ${value}`;
    const cpu1 = Atomics.load(env.cpuOf, env.task);
    yield `getcpu → ${cpu1}`;
    const version1 = Atomics.load(L, b + LANE_VERSION);
    yield `pvti[${cpu}].version → ${version1}`;
    const m1 = Atomics.load(L, b + LANE_MIGRATE_COUNT);
    if (cpu1 === cpu && (version & 1) === 0 && version1 === version && m1 === m) {
      if (((sf >>> 8) & PVCLOCK_TSC_STABLE_BIT) === 0) return PVCLOCK_FALLBACK;
      obs.pvti = cpu;
      obs.version = version;
      obs.tsc = tsc;
      obs.tscCpu = tscCpu;
      return value;
    }
    obs.retries++;
    yield `pvti[${cpu}].migrate_count → ${m1}: retry`;
  }
}

/** this file, for the vCPU worker threads (threads.ts) */
export const url: string = import.meta.url;

export const reader: ReaderVariant = {
  name: 'percpu-v4.0',
  create: (env) => new PercpuV40Reader(env),
  steps: percpuV40Steps,
  // pvclock_task_migrate(): the notifier bumps the count of the cpu the task leaves
  taskMigrated(lanes, fromCpu) {
    const at = fromCpu * LINE_LANES + LANE_MIGRATE_COUNT;
    Atomics.store(lanes, at, (lanes[at]! + 1) | 0);
  },
  pvtiPages: (nrCpus) => Math.floor((nrCpus - 1) / (PAGE_SIZE / PVTI_STRIDE)) + 1,
  // a 4.0 guest on a host of its own time: the revert's case
  hosts: ['4.0'],
};
