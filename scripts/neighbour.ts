// A named, reproducible neighbour load for calibrating compare on a shared machine:
// `node dist/scripts/neighbour.js --load cpu1x50` keeps 1 thread busy 50% of every 100 ms
// (spinning for 50 ms, sleeping 50 ms), `cpu2x100` keeps 2 threads busy all the time, until it
// is stopped (SIGTERM, Ctrl-C) or --seconds pass. The threads spin on integer arithmetic only:
// no allocation, no I/O, so the load is CPU time and nothing else, the same on every run.
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';

export const LOAD_PATTERN = /^cpu(\d+)x(\d{1,3})$/;
const PERIOD_MS = 100;

function spin(duty: number): void {
  let x = 1;
  for (;;) {
    const start = Date.now();
    while (Date.now() - start < (PERIOD_MS * duty) / 100) x = (x * 1103515245 + 12345) | 0;
    const rest = PERIOD_MS - (Date.now() - start);
    if (rest > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, rest);
    if (x === 42) parentPort?.postMessage(x); // keeps x alive
  }
}

if (!isMainThread) {
  spin((workerData as { duty: number }).duty);
} else {
  const args = process.argv.slice(2);
  const at = (name: string) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const load = at('load') ?? 'cpu1x100';
  const m = LOAD_PATTERN.exec(load);
  const seconds = Number(at('seconds') ?? '0');
  if (!m || Number(m[2]) > 100 || !(seconds >= 0)) {
    process.stderr.write(
      `neighbour: --load cpuNxDUTY (N threads, DUTY 1–100 % of every ${PERIOD_MS} ms), got '${load}'\n`,
    );
    process.exit(2);
  }
  const workers = Array.from(
    { length: Number(m[1]) },
    () => new Worker(new URL(import.meta.url), { workerData: { duty: Number(m[2]) } }),
  );
  process.stderr.write(`neighbour: ${load}: ${workers.length} thread(s) busy ${m[2]}% of every ${PERIOD_MS} ms\n`);
  const stop = () => {
    for (const w of workers) void w.terminate();
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  if (seconds > 0) setTimeout(stop, seconds * 1000);
}
