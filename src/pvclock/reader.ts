// What every vDSO pvclock reader variant provides. A variant file knows nothing of the
// harness: it reads the shared pvti area and the simulated TSC, like vread_pvclock().
//
// Barriers: the version loads are Atomics.load (sequentially consistent), where the kernel has
// pvclock_read_begin()/pvclock_read_retry() with virt_rmb(); the body loads between them are
// plain typed-array loads, as in C. JavaScript has no standalone read fence, so keeping the
// body loads before the second version load rests on V8 not moving loads across an
// Atomics operation and on x86 not reordering loads with loads; the host's stores mirror
// smp_wmb() with Atomics.store on the version.
import type { SimTsc } from './tsc.js';

/** vread_pvclock() returns U64_MAX when STABLE is clear; the caller then makes the syscall */
export const PVCLOCK_FALLBACK = -1;

/** What a guest task reads through. */
export interface GuestEnv {
  /** the pvti area's lanes (PvtiArea.lanes) */
  readonly lanes: Int32Array;
  readonly tsc: SimTsc;
  /** task → the vCPU it runs on now (the guest scheduler moves tasks by storing here) */
  readonly cpuOf: Int32Array;
  /** this task's index in cpuOf */
  readonly task: number;
}

/** What the last completed read used: lets the gate and the explorer rebuild the reference. */
export interface ReadObs {
  /** the pvti whose body produced the value */
  pvti: number;
  /** its version, as read before and after */
  version: number;
  /** the TSC value that was converted */
  tsc: number;
  /** retries so far (whole life of the reader) */
  retries: number;
  /** the vCPU whose TSC was read (filled by the step version only) */
  tscCpu: number;
}

export interface PvclockReader {
  /** one clock_gettime(CLOCK_MONOTONIC)-style read: ns, or PVCLOCK_FALLBACK */
  read(): number;
  /** reads that went round the retry loop again (version odd/changed, or cpu changed) */
  retries: number;
  /** reads that saw STABLE clear and returned PVCLOCK_FALLBACK */
  fallbacks: number;
  readonly obs: ReadObs;
}

export interface ReaderVariant {
  readonly name: string;
  /** the hot reader: straight-line loads, no allocation */
  create(env: GuestEnv): PvclockReader;
  /**
   * The same algorithm as explorer steps: one yield after each shared load (or rdtsc), so
   * that a host store can land between any two of them. Returns the value or PVCLOCK_FALLBACK
   * and fills `obs`.
   */
  steps(env: GuestEnv, obs: ReadObs): Generator<string, number, void>;
}

/**
 * The shape of a variant module (what percpu.ts and vcpu0.ts export): the reader, and the
 * module's own URL, so that a vCPU worker thread can import the same variant by itself.
 */
export interface PvclockModule {
  readonly reader: ReaderVariant;
  /** `import.meta.url` of the variant's file */
  readonly url: string;
}

export function newObs(): ReadObs {
  return { pvti: -1, version: -1, tsc: -1, retries: 0, tscCpu: -1 };
}
