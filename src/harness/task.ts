// What crosses the thread boundary: one task in, one result out. Plain data only, so that
// structured clone carries it and nothing of the main thread leaks into the worker.
import type { ContentionSample } from './contention.js';
import type { Counter, Params } from './suite.js';

export interface TaskSpec {
  readonly suite: string;
  /** file URL of the module that default-exports the SuiteDef */
  readonly suiteUrl: string;
  readonly variant: string;
  readonly params: Params;
  readonly caseKey: string;
  readonly seed: number;
  readonly round: number;
  /** 0, or 0/1 for the two A/A replicas of --aa */
  readonly replica: number;
  readonly timeMs: number;
  /** replay this load CSV text (read once by the main thread) instead of generating from the seed */
  readonly loadCsv?: string;
  /** calibration: stretch each timed call by this fraction (see measure.ts) */
  readonly slowdown?: number;
}

export interface TimingSamples {
  readonly metric: string;
  readonly unit: string;
  /** one value per sample, already divided by the body's ops */
  readonly samples: number[];
  /** warmup spent before timing, in ms, and whether it reached a steady state */
  readonly warmupMs: number;
  readonly settled: boolean;
  /** the body's own account of what it timed */
  readonly detail?: string;
  readonly better?: 'higher' | 'lower';
}

export type TaskResult =
  | {
      readonly status: 'ok';
      readonly checked: number;
      readonly counters: Counter[];
      readonly gauges: Counter[];
      readonly timings: TimingSamples[];
      /** how busy the machine was around measure() (contention.ts) */
      readonly contention?: ContentionSample;
    }
  | { readonly status: 'unsupported'; readonly detail: string }
  | { readonly status: 'gate-failed'; readonly detail: string };
