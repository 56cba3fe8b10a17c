// The parallel strategy on real threads: the APs (at most MAX_WORKERS workers, each taking
// every MAX_WORKERS-th AP in turn) park on one SharedArrayBuffer, the main thread releases
// them at once (FreeBSD resume_cpus) and waits until every AP has registered its own area.
// What it sees depends on scheduling (2 cores shared with others): gauges only.
import { Worker } from 'node:worker_threads';
import { type ApThreadData, L_CONTENDED, L_DONE, L_READY, L_RELEASE, L_VCPU0, V_LANES } from './thread-abi.js';

export const MAX_WORKERS = 4;

export interface ThreadsResult {
  readonly threads: number;
  readonly contended: number;
  readonly us: number;
}

export async function runThreads(vcpus: number): Promise<ThreadsResult> {
  const aps = vcpus - 1;
  const workers = Math.min(MAX_WORKERS, aps);
  if (workers === 0) return { threads: 0, contended: 0, us: 0 };
  const sab = new SharedArrayBuffer(4 * (L_VCPU0 + vcpus * V_LANES));
  const S = new Int32Array(sab);
  const ws: Worker[] = [];
  const exits: Promise<void>[] = [];
  for (let i = 0; i < workers; i++) {
    const data: ApThreadData = { sab, vcpus, worker: i, workers };
    const w = new Worker(new URL('./ap-thread.js', import.meta.url), { workerData: data });
    ws.push(w);
    exits.push(
      new Promise((resolve, reject) => {
        w.once('error', reject);
        w.once('exit', () => resolve());
      }),
    );
  }
  try {
    const t0 = performance.now();
    while (Atomics.load(S, L_READY) < workers) {
      if (performance.now() - t0 > 10_000) throw new Error('vcpuinfo threads: AP workers did not start');
      await new Promise((r) => setTimeout(r, 1));
    }
    const start = performance.now();
    Atomics.store(S, L_RELEASE, 1);
    Atomics.notify(S, L_RELEASE);
    for (let done = Atomics.load(S, L_DONE); done < aps; done = Atomics.load(S, L_DONE)) {
      Atomics.wait(S, L_DONE, done, 10);
      if (performance.now() - start > 10_000) throw new Error('vcpuinfo threads: the APs did not register');
    }
    const us = Math.round((performance.now() - start) * 1000);
    await Promise.all(exits);
    return { threads: workers, contended: Atomics.load(S, L_CONTENDED), us };
  } finally {
    for (const w of ws) void w.terminate();
  }
}
