// One task, one fresh worker. piscina reuses workers between tasks by default and has no
// option to retire a worker after one task (piscina #512), so each task gets a pool of
// exactly one thread that is destroyed when the task ends. Then no two variants, and no two
// rounds, ever share an isolate, its inline caches or its heap (README, "What a run does", 1).
import { Piscina } from 'piscina';
import type { TaskResult, TaskSpec } from './task.js';

export const ISOLATION = 'worker-per-task';
const WORKER = new URL('./worker.js', import.meta.url).href;

export type Outcome =
  | TaskResult
  | { readonly status: 'error'; readonly detail: string }
  | { readonly status: 'timeout'; readonly detail: string };

export async function runIsolated(spec: TaskSpec, timeoutMs: number, interrupt?: AbortSignal): Promise<Outcome> {
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = interrupt ? AbortSignal.any([timeout, interrupt]) : timeout;
  const pool = new Piscina({
    filename: WORKER,
    minThreads: 1,
    maxThreads: 1,
    idleTimeout: Infinity,
    // a runaway allocation fails this worker, not the whole run
    resourceLimits: { maxOldGenerationSizeMb: 4096 },
  });
  try {
    return (await pool.run(spec, { signal })) as TaskResult;
  } catch (e) {
    if (timeout.aborted) {
      return {
        status: 'timeout',
        detail: `no result within --task-timeout ${timeoutMs} ms; the worker was terminated`,
      };
    }
    const err = e as Error;
    // Name the first frame outside the harness and node itself: that is where the variant broke.
    const where = err.stack
      ?.split('\n')
      .slice(1)
      .find((l) => !l.includes('/src/harness/') && !l.includes('node:') && !l.includes('node_modules'))
      ?.trim();
    return { status: 'error', detail: `${err.name}: ${err.message}${where ? ` (${where})` : ''}` };
  } finally {
    await pool.destroy();
  }
}
