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
}

// Keeps what run() returned reachable, so V8 cannot drop the work as dead code.
let sink = 0;
export function sinkValue(): number {
  return sink;
}

export async function measure(bodies: readonly Timed[], opts: MeasureOptions): Promise<TimingSamples[]> {
  const bench = new Bench({
    time: opts.timeMs,
    iterations: 8,
    warmup: true,
    warmupTime: Math.max(5, opts.timeMs / 4),
    warmupIterations: 2,
    retainSamples: true,
    throws: true,
  });
  const now = bench.now.bind(bench);
  for (const body of bodies) {
    bench.add(body.metric, () => {
      const start = now();
      body.setup?.();
      const t0 = now();
      sink = (sink + body.run()) | 0;
      const t1 = now();
      return { overriddenDuration: t1 - t0, overriddenIterationCost: t1 - start };
    });
  }
  await bench.run();
  return bodies.map((body) => {
    const task = bench.getTask(body.metric);
    const result = task?.result;
    if (!result || !('latency' in result) || !result.latency.samples) {
      const why = result && 'error' in result ? String((result as { error: unknown }).error) : 'no samples';
      throw new Error(`timing of ${body.metric} failed: ${why}`);
    }
    // ms per call → the body's unit (ns per op)
    const scale = 1e6 / body.ops;
    return { metric: body.metric, unit: body.unit, samples: batchMeans(Array.from(result.latency.samples, (ms) => ms * scale), MAX_SAMPLES) };
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
