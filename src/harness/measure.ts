// Timing one body with tinybench. tinybench brackets each call with its own timer; our
// bodies need untimed setup (re-arming a bitmap, clearing a tree) before the timed part, so
// each sample reports its own duration through `overriddenDuration`, and the whole call
// through `overriddenIterationCost` so that setup counts against the time budget.
import { Bench } from 'tinybench';
import type { Timed } from './suite.js';
import type { TimingSamples } from './task.js';

export interface MeasureOptions {
  /** time budget per body, in ms (after warmup) */
  readonly timeMs: number;
  /** longest warmup per body before timing starts anyway, in ms */
  readonly maxWarmupMs?: number;
  /**
   * Calibration only (--inject-slowdown): stretch every timed call by this fraction of its
   * own duration with a busy wait inside the timed window, to learn the smallest change that
   * compare flags reliably on this machine.
   */
  readonly slowdown?: number;
}

const CHUNK_MS = 10;
const SETTLED = 0.05;

/**
 * Warm a body up until it is in steady state: chunks of CHUNK_MS, until two consecutive chunk
 * medians agree within SETTLED, or maxMs has passed. A fixed warmup is wrong both ways on a
 * shared machine: the background compiler may need 400 ms for one variant and 20 ms for
 * another, and timing the first while it is still interpreted would skew every ratio.
 */
function settle(
  sample: () => { overriddenDuration: number },
  now: () => number,
  maxMs: number,
): { ms: number; settled: boolean } {
  const start = now();
  const chunk: number[] = [];
  let previous = NaN;
  while (now() - start < maxMs) {
    chunk.length = 0;
    const t0 = now();
    while (now() - t0 < CHUNK_MS || chunk.length < 3) chunk.push(sample().overriddenDuration);
    chunk.sort((a, b) => a - b);
    const median = chunk[chunk.length >> 1]!;
    if (Math.abs(median - previous) <= SETTLED * median) return { ms: now() - start, settled: true };
    previous = median;
  }
  return { ms: now() - start, settled: false };
}

// Keeps what run() returned reachable, so V8 cannot drop the work as dead code.
let sink = 0;
export function sinkValue(): number {
  return sink;
}

export async function measure(bodies: readonly Timed[], opts: MeasureOptions): Promise<TimingSamples[]> {
  // tinybench's own warmup is a fixed budget; settle() below replaces it.
  const bench = new Bench({ time: opts.timeMs, iterations: 8, warmup: false, retainSamples: true, throws: true });
  const now = bench.now.bind(bench);
  const maxWarmupMs = opts.maxWarmupMs ?? Math.max(50, 4 * opts.timeMs);
  const slowdown = opts.slowdown ?? 0;
  const warmup: { ms: number; settled: boolean }[] = [];
  for (const body of bodies) {
    const sample = () => {
      const start = now();
      body.setup?.();
      const t0 = now();
      sink = (sink + body.run()) | 0;
      let t1 = now();
      if (slowdown > 0) {
        const until = t1 + (t1 - t0) * slowdown;
        while ((t1 = now()) < until);
      }
      return { overriddenDuration: t1 - t0, overriddenIterationCost: t1 - start };
    };
    warmup.push(settle(sample, now, maxWarmupMs));
    bench.add(body.metric, sample);
  }
  await bench.run();
  return bodies.map((body, i) => {
    const task = bench.getTask(body.metric);
    const result = task?.result;
    if (!result || !('latency' in result) || !result.latency.samples) {
      const why = result && 'error' in result ? String((result as { error: unknown }).error) : 'no samples';
      throw new Error(`timing of ${body.metric} failed: ${why}`);
    }
    // ms per call → the body's unit (ns per op)
    const scale = 1e6 / body.ops;
    const samples = batchMeans(
      Array.from(result.latency.samples, (ms) => ms * scale),
      MAX_SAMPLES,
    );
    const better = body.better ? { better: body.better } : {};
    return {
      metric: body.metric,
      unit: body.unit,
      samples,
      warmupMs: warmup[i]!.ms,
      settled: warmup[i]!.settled,
      detail: body.detail,
      ...better,
    };
  });
}

/**
 * A fast body yields tens of thousands of samples in its budget; keeping them all would make
 * the samples CSV hundreds of MB. Consecutive samples are folded into at most `max` batch
 * means, which keeps the median and the test of significance meaningful (each value is then
 * the mean of a fixed run of calls) and the files small. tinybench hands samples back sorted,
 * so this groups neighbouring values: a trimmed, smoothed empirical distribution.
 */
export const MAX_SAMPLES = 200;
export function batchMeans(samples: readonly number[], max: number): number[] {
  if (samples.length <= max) return [...samples];
  const out: number[] = [];
  for (let g = 0; g < max; g++) {
    const lo = Math.floor((g * samples.length) / max);
    const hi = Math.floor(((g + 1) * samples.length) / max);
    let sum = 0;
    for (let i = lo; i < hi; i++) sum += samples[i]!;
    out.push(sum / (hi - lo));
  }
  return out;
}
