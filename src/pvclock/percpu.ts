// The per-CPU pvti reader of Linux 4.1 to 4.4 (torvalds/linux:arch/x86/vdso/vclock_gettime.c,
// later arch/x86/entry/vdso/vclock_gettime.c: vread_pvclock, after the migrate_count of 4.0
// was dropped): getcpu → pvti[cpu] → __pvclock_read_cycles (version, rdtsc, tsc_timestamp,
// system_time, mul, shift, flags) → getcpu again → version again; retry if the cpu changed or
// the version was odd or moved; only then is the STABLE bit of the validated read checked
// (`if (!(flags & PVCLOCK_TSC_STABLE_BIT)) *mode = VCLOCK_NONE`, the syscall fallback). This is
// Lutomirski's proposal (a) in the thread "x86: kvm: Revert 'remove sched notifier for
// cross-cpu migrations'" (kvm list, March 2015): the second getcpu makes the TSC come from
// the interval in which this task ran on `cpu` with that pvti valid, provided the host bumps
// the version around every write (4.1's three-store protocol).
import {
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
      const version = Atomics.load(L, b + LANE_VERSION); // src->version; rdtsc_barrier()
      const tsc = this.tsc.rdtsc(cpuOf[task]!); // rdtsc on whichever vCPU runs us now
      const sf = L[b + LANE_SHIFT_FLAGS]!;
      scalePvti(L, b, sf, tsc, L[b + LANE_TSC_LO]! >>> 0, L[b + LANE_TSC_HI]! >>> 0, out);
      const cpu1 = Atomics.load(cpuOf, task); // __getcpu() again
      const version1 = Atomics.load(L, b + LANE_VERSION); // virt_rmb(); version again
      if (cpu1 === cpu && (version & 1) === 0 && version1 === version) {
        if (((sf >>> 8) & PVCLOCK_TSC_STABLE_BIT) === 0) {
          this.fallbacks++; // *mode = VCLOCK_NONE: the caller makes the syscall
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

function* percpuSteps(env: GuestEnv, obs: ReadObs): Generator<string, number, void> {
  const L = env.lanes;
  const out = new Uint32Array(2);
  for (;;) {
    const cpu = Atomics.load(env.cpuOf, env.task);
    yield `getcpu → ${cpu}`;
    const b = cpu * LINE_LANES;
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
    if (cpu1 === cpu && (version & 1) === 0 && version1 === version) {
      if (((sf >>> 8) & PVCLOCK_TSC_STABLE_BIT) === 0) return PVCLOCK_FALLBACK; // after the validated read
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
  // every possible CPU's pvti in the fixmap: PVCLOCK_VSYSCALL_NR_PAGES = (NR_CPUS-1)/(PAGE_SIZE/PVTI_SIZE)+1
  pvtiPages: (nrCpus) => Math.floor((nrCpus - 1) / (PAGE_SIZE / PVTI_STRIDE)) + 1,
};
