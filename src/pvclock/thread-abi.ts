// The shared lanes between the real-thread host (threads.ts) and its vCPU workers
// (vcpu-thread.ts), kept apart so that a worker loads nothing it does not run.
import type { VmBuffers, VmParams } from './vm.js';

/** Int32 lanes of `sync` */
export const S_LOCK = 0;
export const S_GO = 1;
export const S_DONE = 2;
export const S_SLEEP = 3;
export const SYNC_LANES = 4;
/** Float64 lanes of `stats`; per reader i: STAT_READER0 + 3*i + {0 reads, 1 retries, 2 fallbacks} */
export const T_LAST = 0;
export const T_LAST_VALUE = 1;
export const T_WARPS = 2;
export const T_WORST = 3;
export const STAT_READER0 = 4;

export interface ThreadData {
  readonly buffers: VmBuffers;
  readonly vm: VmParams;
  readonly cpu: number;
  readonly reader: number;
  readonly readerUrl: string;
  readonly sync: SharedArrayBuffer;
  readonly stats: SharedArrayBuffer;
}
