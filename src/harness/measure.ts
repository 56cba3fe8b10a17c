// Timing one body with tinybench. tinybench brackets each call with its own timer; our
// bodies need untimed setup (re-arming a bitmap, clearing a tree) before the timed part, so
// each sample reports its own duration through `overriddenDuration`, and the whole call
// through `overriddenIterationCost` so that setup counts against the time budget.
import { Bench } from 'tinybench';
import type { Counter, Timed } from './suite.js';
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
): { ms: number; settled: boolean; median: number } {
  const start = now();
  const chunk: number[] = [];
  let previous = NaN;
  let median = NaN;
  while (now() - start < maxMs) {
    chunk.length = 0;
    const t0 = now();
    while (now() - t0 < CHUNK_MS || chunk.length < 3) chunk.push(sample().overriddenDuration);
    chunk.sort((a, b) => a - b);
    median = chunk[chunk.length >> 1]!;
    if (Math.abs(median - previous) <= SETTLED * median) return { ms: now() - start, settled: true, median };
    previous = median;
  }
  return { ms: now() - start, settled: false, median };
}

// Keeps what run() returned reachable, so V8 cannot drop the work as dead code.
let sink = 0;
export function sinkValue(): number {
  return sink;
}

/**
 * The cost of the clock bracket itself: the median of back-to-back reads. Every sample is
 * t1 - t0 around run(), which includes one such bracket; it is subtracted, as C benchmarks
 * subtract their measured clock_gettime cost, so that a body of a few events is not mostly
 * clock. The median of many pairs, after the reads have warmed up.
 */
export function clockOverhead(now: () => number, pairs = 2001): number {
  const d = new Float64Array(pairs);
  for (let i = 0; i < pairs; i++) now(); // warm the call site
  for (let i = 0; i < pairs; i++) {
    const a = now();
    d[i] = now() - a;
  }
  d.sort();
  return d[pairs >> 1]!;
}

/** What measure() hands back: the timings, and the harness's own costs as gauges. */
export interface Measured {
  readonly timings: TimingSamples[];
  /** `clock_overhead` (ns, subtracted from every sample) and `<metric>_harness` per body with an empty() */
  readonly harness: Counter[];
}

export async function measure(bodies: readonly Timed[], opts: MeasureOptions): Promise<Measured> {
  // tinybench's own warmup is a fixed budget; settle() below replaces it.
  const bench = new Bench({ time: opts.timeMs, iterations: 8, warmup: false, retainSamples: true, throws: true });
  const now = bench.now.bind(bench);
  const maxWarmupMs = opts.maxWarmupMs ?? Math.max(50, 4 * opts.timeMs);
  const slowdown = opts.slowdown ?? 0;
  const clock = clockOverhead(now);
  // calls of run() per sample: more than one only for a body without setup, see below
  const reps = new Float64Array(bodies.length).fill(1);
  const bracket = (body: Timed, i: number, empty: boolean) => () => {
    const start = now();
    if (!empty) body.setup?.(); // the empty twin reads the input only: no state to re-arm
    const n = reps[i]!;
    const t0 = now();
    if (empty) for (let k = 0; k < n; k++) sink = (sink + body.empty!()) | 0;
    else for (let k = 0; k < n; k++) sink = (sink + body.run()) | 0;
    let t1 = now();
    if (slowdown > 0) {
      const until = t1 + (t1 - t0) * slowdown;
      while ((t1 = now()) < until);
    }
    return { overriddenDuration: Math.max(0, t1 - t0 - clock), overriddenIterationCost: t1 - start };
  };
  const warmup: { ms: number; settled: boolean; median: number }[] = [];
  for (const [i, body] of bodies.entries()) {
    const sample = bracket(body, i, false);
    const w = settle(sample, now, maxWarmupMs);
    // A call much shorter than the clock bracket would be mostly clock, however well it is
    // subtracted: a body that needs no setup is called several times a sample instead (as
    // benchmark.js and Go's testing.B grow b.N), so that each sample is >= 100 brackets.
    if (body.setup === undefined && w.median < REPS_CLOCKS * clock) {
      reps[i] = Math.min(1 << 20, Math.ceil((REPS_CLOCKS * clock) / Math.max(w.median, clock / 100)));
    }
    warmup.push(w);
    bench.add(body.metric, sample);
  }
  await bench.run();
  const harness: Counter[] = [
    {
      metric: 'clock_overhead',
      unit: 'ns',
      value: clock * 1e6,
      detail: 'median cost of the clock bracket around one timed call, subtracted from every sample',
    },
  ];
  for (const [i, body] of bodies.entries()) {
    if (body.empty === undefined) continue;
    harness.push({
      metric: `${body.metric}_harness`,
      unit: body.unit,
      value: emptyCost(bracket(body, i, true), now, Math.max(5, opts.timeMs / 10)) * (1e6 / (body.ops * reps[i]!)),
      detail: `${body.metric}'s loop over the same input with the model's work taken out: what the harness adds per op`,
    });
  }
  const timings = bodies.map((body, i) => {
    const task = bench.getTask(body.metric);
    const result = task?.result;
    if (!result || !('latency' in result) || !result.latency.samples) {
      const why = result && 'error' in result ? String((result as { error: unknown }).error) : 'no samples';
      throw new Error(`timing of ${body.metric} failed: ${why}`);
    }
    // ms per sample → the body's unit (ns per op)
    const scale = 1e6 / (body.ops * reps[i]!);
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
      detail: shortCall(body.detail, warmup[i]!.median, clock, reps[i]!),
      ...better,
    };
  });
  return { timings, harness };
}

/** a sample this many clock brackets long or longer is mostly the body's own time */
const REPS_CLOCKS = 100;

/** the body's detail, with a warning when its timed call stayed short against the clock */
function shortCall(detail: string | undefined, median: number, clock: number, reps: number): string | undefined {
  if (reps > 1 || !(median < 10 * clock)) return detail;
  const note = `timed call only ${(median / clock).toFixed(1)}× the clock bracket (${(clock * 1e6).toFixed(0)} ns, subtracted): figure dominated by the clock; give the body more work per call`;
  return detail ? `${detail}; ${note}` : note;
}

/** median duration (ms) of an empty body's calls: warmed like a real one, then a short budget */
function emptyCost(sample: () => { overriddenDuration: number }, now: () => number, ms: number): number {
  settle(sample, now, ms);
  const xs: number[] = [];
  const t0 = now();
  while (now() - t0 < ms || xs.length < 8) xs.push(sample().overriddenDuration);
  xs.sort((a, b) => a - b);
  return xs[xs.length >> 1]!;
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
