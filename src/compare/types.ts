// The shapes of a comparison: what a matched pair of rows is before judging, what each row
// says after it, and the options that decide it. Every other compare module works on these.
import type { SummaryRec } from './read.js';
import type { Resolution } from './decide.js';
import type { Better } from './direction.js';
import type { ShiftEstimate } from './stats.js';
import type { Contention } from './unknown.js';

export type Verdict =
  /** timing: significantly slower beyond threshold and A/A band */
  | 'slower'
  | 'faster'
  /** timing: `~`, see `reason` */
  | 'same'
  /** timing without raw samples on a side: a change is shown but cannot be tested */
  | 'untested'
  | 'counter-up'
  | 'counter-down'
  | 'counter-same'
  | 'gauge'
  /** head failed (gate, error or timeout) */
  | 'failed'
  /** base failed, head passes */
  | 'fixed'
  | 'unsupported'
  | 'only-base'
  | 'only-head'
  /** timing: it looks changed, but the sides were not measured alike (contention, modes): see `reason` */
  | 'unknown'
  /** --until-resolved: the interval still straddles ±threshold when the budget ended */
  | 'undecided';

export interface Cell {
  readonly value: number;
  /** relative half-width of the 95% interval of the median (benchstat's "± x%"), timing only */
  readonly spread: number;
  readonly n: number;
  readonly status: string;
  readonly detail: string;
}

export interface RowResult {
  readonly suite: string;
  /** the variant, or "V vs B" when comparing variants within a run */
  readonly variant: string;
  readonly case: string;
  readonly metric: string;
  readonly unit: string;
  readonly kind: string;
  readonly base: Cell | undefined;
  readonly head: Cell | undefined;
  /** head / base */
  ratio: number;
  /** 95% bootstrap interval of the ratio of medians */
  ciLo: number;
  ciHi: number;
  /** raw two-sided Mann-Whitney p, and after the multiple-comparison correction */
  p: number;
  pAdj: number;
  exact: boolean;
  /** what the test compared: per-worker medians (the independent unit) or raw samples */
  testUnit: 'worker' | 'sample' | undefined;
  /** how many values the test compared on each side */
  testN: [number, number] | undefined;
  /** the smallest p the test could have produced with these counts */
  minP: number;
  /** Hodges–Lehmann shift (head - base, in the row's unit) over the tested values, with its interval */
  hl: ShiftEstimate | undefined;
  /** A/A noise band of the case in percent (the wider of the two sides) */
  readonly aaBandPct: number | undefined;
  verdict: Verdict;
  /** why a timing shows `~`, or extra context for other verdicts */
  reason: string;
  /** which way is an improvement (direction.ts); undefined: a change is flagged, never a regression */
  readonly better: Better | undefined;
  /** interval decision: the level of [ciLo, ciHi], and whether it settles the row (decide.ts) */
  level: number;
  resolution: Resolution | undefined;
  /** the sides' contention (means over workers), and their speed modes when either has two */
  readonly contention: { readonly base: Contention | undefined; readonly head: Contention | undefined };
  mixture: string;
}

export interface Geomean {
  /** a suite name, "suite variant" in --variants mode, or "all" */
  readonly scope: string;
  readonly ratio: number;
  readonly n: number;
}

export interface CompareOptions {
  readonly alpha: number;
  /** minimum |change| in percent to report a timing change */
  readonly thresholdPct: number;
  readonly correction: 'holm' | 'bh';
  readonly confidence: number;
  readonly resamples: number;
  readonly allowLoadMismatch: boolean;
  readonly strictEnv: boolean;
  /**
   * What the rank test compares. 'worker' (default): the median of each worker, because
   * samples of one worker share its JIT and heap state and are not independent: an A/A run of
   * this bench showed workers of the same code 30% apart while each worker's samples agreed
   * to 2%, so a test over raw samples calls that noise significant. 'sample' tests the raw
   * samples (used anyway when a side has a single worker).
   */
  readonly testUnit: 'worker' | 'sample';
  /**
   * 'interval' (default): Welch intervals of the log ratio over worker medians, with BH
   * false-coverage control (decide.ts); 'mwu': the older Mann-Whitney rule under --correction.
   */
  readonly decision: 'interval' | 'mwu';
  /** --until-resolved: the share of α this look may spend (until.ts); 1 otherwise */
  readonly alphaShare: number;
}

export const DEFAULTS: CompareOptions = {
  alpha: 0.05,
  thresholdPct: 2,
  correction: 'bh',
  confidence: 0.95,
  resamples: 1000,
  allowLoadMismatch: false,
  strictEnv: false,
  testUnit: 'worker',
  decision: 'interval',
  alphaShare: 1,
};

export interface Comparison {
  readonly base: string;
  readonly head: string;
  readonly mode: 'runs' | 'variants';
  readonly rows: RowResult[];
  readonly geomeans: Geomean[];
  readonly warnings: string[];
  readonly options: CompareOptions;
}

/** One matched (or one-sided) pair before judging. */
export interface Pair {
  readonly suite: string;
  readonly variant: string;
  readonly case: string;
  readonly metric: string;
  readonly base: SummaryRec | undefined;
  readonly head: SummaryRec | undefined;
  readonly baseSamples: number[][] | undefined;
  readonly headSamples: number[][] | undefined;
}
