// Matching rows of two runs and deciding what each pair says. The rules, in the order a
// reader needs them:
// - rows are matched by (suite, variant, case, metric); a row on one side only is listed;
// - a failed row (gate-failed, error, timeout) is a failure, never a speed change;
// - counters are exact: any difference is shown and flagged;
// - gauges depend on scheduling: shown, never judged;
// - timings are judged by a rank test over per-worker medians (the independent unit),
//   corrected for the number of rows tested, and must also clear the bootstrap interval of the
//   ratio of medians, --threshold and the A/A band.
import { FAILED } from '../harness/schema.js';
import { InputError } from '../harness/exit.js';
import { ENV_FIELDS } from '../harness/rundir.js';
import { rowKey, type Run, type SummaryRec } from './read.js';
import {
  benjaminiHochberg,
  bootstrapRatioCI,
  geomean,
  hashSeed,
  hodgesLehmann,
  holm,
  mannWhitneyU,
  median,
  medianCIRel,
  mwuMinP,
  type ShiftEstimate,
} from './stats.js';

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
  | 'only-head';

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
}

export const DEFAULTS: CompareOptions = {
  alpha: 0.05,
  thresholdPct: 2,
  correction: 'holm',
  confidence: 0.95,
  resamples: 1000,
  allowLoadMismatch: false,
  strictEnv: false,
  testUnit: 'worker',
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

/** Hodges–Lehmann needs all n1·n2 differences sorted: only computed below this many. */
const HL_PAIRS = 250_000;

/** Pairs the rows of two runs by (suite, variant, case, metric), keeping one-sided rows. */
export function pairRuns(base: Run, head: Run): Pair[] {
  const hs = new Map(head.rows.map((r) => [rowKey(r), r]));
  const seen = new Set<string>();
  const pairs: Pair[] = [];
  const add = (b: SummaryRec | undefined, h: SummaryRec | undefined) => {
    const r = (b ?? h)!;
    const k = rowKey(r);
    pairs.push({
      suite: r.suite,
      variant: r.variant,
      case: r.case,
      metric: r.metric,
      base: b,
      head: h,
      baseSamples: b && base.samples.get(k),
      headSamples: h && head.samples.get(k),
    });
  };
  for (const b of base.rows) {
    const k = rowKey(b);
    if (seen.has(k)) continue;
    seen.add(k);
    add(b, hs.get(k));
  }
  for (const h of head.rows) if (!seen.has(rowKey(h))) add(undefined, h);
  return pairs;
}

/**
 * Pairs every variant with its suite's baseline variant inside one run: the question each
 * suite exists to answer. Baseline rows themselves are not listed (they would compare with
 * themselves).
 */
export function pairVariants(run: Run, baselineOf: (suite: string) => string): Pair[] {
  const pairs: Pair[] = [];
  const byKey = new Map(run.rows.map((r) => [rowKey(r), r]));
  const covered = new Set<string>();
  for (const r of run.rows) {
    const b = baselineOf(r.suite);
    if (r.variant === b) continue;
    const bk = rowKey({ ...r, variant: b });
    const base = byKey.get(bk);
    if (base) covered.add(bk);
    pairs.push({
      suite: r.suite,
      variant: `${r.variant} vs ${b}`,
      case: r.case,
      metric: r.metric,
      base,
      head: r,
      baseSamples: base && run.samples.get(bk),
      headSamples: run.samples.get(rowKey(r)),
    });
  }
  // baseline rows that no other variant has: listed as one-sided, not dropped
  for (const r of run.rows) {
    if (r.variant !== baselineOf(r.suite) || covered.has(rowKey(r))) continue;
    pairs.push({
      suite: r.suite,
      variant: `(${r.variant} only)`,
      case: r.case,
      metric: r.metric,
      base: r,
      head: undefined,
      baseSamples: run.samples.get(rowKey(r)),
      headSamples: undefined,
    });
  }
  return pairs;
}

/** Refuses (or, when allowed, warns about) rows measured on different operation streams. */
function checkLoads(pairs: readonly Pair[], opts: CompareOptions, warnings: string[]): void {
  const bad = pairs.filter((p) => p.base && p.head && (p.base.seed !== p.head.seed || p.base.load !== p.head.load));
  if (bad.length === 0) return;
  const first = bad[0]!;
  const what = `${bad.length} row${bad.length > 1 ? 's were' : ' was'} measured on different loads, e.g. ${first.suite} ${first.variant} ${first.case}: seed ${first.base!.seed} load ${first.base!.load} vs seed ${first.head!.seed} load ${first.head!.load}`;
  if (!opts.allowLoadMismatch) {
    throw new InputError(
      `${what}. A timing comparison across different operation streams is meaningless; rerun with the same --seed, or pass --allow-load-mismatch`,
    );
  }
  warnings.push(`${what} (--allow-load-mismatch)`);
}

/** Warns (or with --strict-env refuses) when the two runs come from different environments. */
export function checkEnv(base: Run, head: Run, opts: CompareOptions, warnings: string[]): void {
  const diffs: string[] = [];
  for (const f of ENV_FIELDS) {
    const bv = [...new Set(base.rows.map((r) => r.env[f]))].sort().join(' | ');
    const hv = [...new Set(head.rows.map((r) => r.env[f]))].sort().join(' | ');
    if (bv !== hv) diffs.push(`${f}: ${bv || '(empty)'} vs ${hv || '(empty)'}`);
  }
  if (diffs.length === 0) return;
  const msg = `the runs come from different environments (${diffs.join('; ')})`;
  if (opts.strictEnv) throw new InputError(`${msg}; --strict-env refuses to compare them`);
  warnings.push(`${msg}: timing changes may be the machine's, not the code's`);
}

function flat(clusters: number[][]): number[] {
  return clusters.flat();
}

/** Per-worker medians (empty workers dropped). */
function workerMedians(clusters: number[][]): number[] {
  return clusters.filter((c) => c.length > 0).map((c) => median(c));
}

/**
 * The "± x%" beside a median: how far the median of the row can be trusted. With six or more
 * workers, the 95% interval of the median over workers; with two to five, the largest distance
 * of a worker's median from the row's (no interval exists for so few); with one worker, the
 * interval over its samples, which understates the worker-to-worker noise.
 */
function spreadOf(clusters: number[][], m: number): number {
  const w = workerMedians(clusters);
  if (w.length >= 6) return medianCIRel(w);
  if (w.length >= 2) return Math.max(...w.map((x) => Math.abs(x - m))) / Math.abs(m);
  return medianCIRel(clusters.flat());
}

function cell(rec: SummaryRec, samples: number[][] | undefined): Cell {
  const xs = samples ? flat(samples) : [];
  const timed = rec.kind === 'timing' && xs.length > 0;
  const value = timed ? median(xs) : rec.median;
  return {
    value,
    spread: timed ? spreadOf(samples!, value) : NaN,
    n: timed ? xs.length : rec.n,
    status: rec.status,
    detail: rec.detail,
  };
}

function judge(p: Pair, opts: CompareOptions): RowResult {
  const rec = (p.base ?? p.head)!;
  const base = p.base && cell(p.base, p.baseSamples);
  const head = p.head && cell(p.head, p.headSamples);
  const bands = [p.base?.aaBandPct, p.head?.aaBandPct].filter((b): b is number => b !== undefined);
  const r: RowResult = {
    suite: p.suite,
    variant: p.variant,
    case: p.case,
    metric: p.metric,
    unit: rec.unit,
    kind: rec.kind,
    base,
    head,
    ratio: NaN,
    ciLo: NaN,
    ciHi: NaN,
    p: NaN,
    pAdj: NaN,
    exact: false,
    testUnit: undefined,
    testN: undefined,
    minP: NaN,
    hl: undefined,
    aaBandPct: bands.length > 0 ? Math.max(...bands) : undefined,
    verdict: 'same',
    reason: '',
  };
  const bFail = p.base !== undefined && FAILED.has(p.base.status);
  const hFail = p.head !== undefined && FAILED.has(p.head.status);
  if (hFail) return { ...r, verdict: 'failed', reason: p.head!.detail || p.head!.status };
  if (bFail && p.head) return { ...r, verdict: 'fixed', reason: `base: ${p.base!.detail || p.base!.status}` };
  if (!p.base) return { ...r, verdict: 'only-head' };
  if (!p.head)
    return {
      ...r,
      verdict: bFail ? 'failed' : 'only-base',
      reason: bFail ? `base: ${p.base.detail || p.base.status}` : '',
    };
  if (p.base.status !== 'ok' || p.head.status !== 'ok') {
    const why = p.head.detail || p.base.detail;
    const change = p.base.status === p.head.status ? '' : `${p.base.status} → ${p.head.status}${why ? ': ' : ''}`;
    return { ...r, verdict: 'unsupported', reason: `${change}${why}` };
  }
  r.ratio = head!.value / base!.value;
  if (rec.kind === 'counter') {
    const bv = base!.value;
    const hv = head!.value;
    r.verdict = hv === bv ? 'counter-same' : hv > bv ? 'counter-up' : 'counter-down';
    return r;
  }
  if (rec.kind === 'gauge') return { ...r, verdict: 'gauge' };
  const bs = p.baseSamples && flat(p.baseSamples);
  const hs = p.headSamples && flat(p.headSamples);
  if (!bs || !hs || bs.length === 0 || hs.length === 0) {
    return { ...r, verdict: 'untested', reason: 'no raw samples' };
  }
  const byWorker =
    opts.testUnit === 'worker' &&
    workerMedians(p.baseSamples!).length >= 2 &&
    workerMedians(p.headSamples!).length >= 2;
  const x = byWorker ? workerMedians(p.baseSamples!) : bs;
  const y = byWorker ? workerMedians(p.headSamples!) : hs;
  const u = mannWhitneyU(x, y);
  r.p = u.p;
  r.exact = u.exact;
  r.testUnit = byWorker ? 'worker' : 'sample';
  r.testN = [x.length, y.length];
  r.minP = mwuMinP(x.length, y.length);
  // the shift in the row's unit, over the values the test compared
  if (x.length * y.length <= HL_PAIRS) r.hl = hodgesLehmann(x, y);
  return r;
}

/** Judges pairs: the statistics per row, the correction over all tested rows, the verdicts. */
export function judgePairs(
  pairs: readonly Pair[],
  sides: { base: string; head: string; mode: 'runs' | 'variants' },
  opts: CompareOptions,
  warnings: string[] = [],
): Comparison {
  checkLoads(pairs, opts, warnings);
  const rows = pairs.map((p) => judge(p, opts));
  const pairOf = new Map(rows.map((r, i) => [r, pairs[i]!]));
  const tested = rows.filter((r) => Number.isFinite(r.p));
  const adjusted = (opts.correction === 'holm' ? holm : benjaminiHochberg)(tested.map((r) => r.p));
  tested.forEach((r, i) => {
    r.pAdj = adjusted[i]!;
    const pr = pairOf.get(r)!;
    const ci = bootstrapRatioCI(pr.baseSamples!, pr.headSamples!, {
      confidence: opts.confidence,
      resamples: opts.resamples,
      seed: hashSeed(`${r.suite}|${r.variant}|${r.case}|${r.metric}`),
    });
    r.ciLo = ci.lo;
    r.ciHi = ci.hi;
    const change = (r.ratio - 1) * 100;
    if (!(r.pAdj < opts.alpha)) r.reason = 'not significant';
    else if (ci.lo <= 1 && ci.hi >= 1) r.reason = 'interval includes no change';
    else if (Math.abs(change) < opts.thresholdPct) r.reason = `|Δ| < ${opts.thresholdPct}% threshold`;
    else if (r.aaBandPct !== undefined && Math.abs(change) <= r.aaBandPct)
      r.reason = `inside the A/A band ±${r.aaBandPct.toFixed(1)}%`;
    else r.verdict = change > 0 ? 'slower' : 'faster';
  });
  const hopeless = tested.filter((r) => r.minP >= opts.alpha);
  if (hopeless.length > 0) {
    const [n1, n2] = hopeless[0]!.testN!;
    const what = hopeless[0]!.testUnit === 'worker' ? 'workers' : 'samples';
    warnings.push(
      `${hopeless.length} timing row(s) cannot reach significance: with ${n1}+${n2} ${what} the smallest possible p is ${fmtP(hopeless[0]!.minP)} ≥ α=${opts.alpha}; measure more workers (bench --rounds, --aa)`,
    );
  } else if (opts.correction === 'holm' && tested.some((r) => r.minP * tested.length >= opts.alpha)) {
    const r = tested.find((t) => t.minP * tested.length >= opts.alpha)!;
    warnings.push(
      `with ${r.testN![0]}+${r.testN![1]} ${r.testUnit === 'worker' ? 'workers' : 'samples'} the smallest possible p is ${fmtP(r.minP)}: after Holm over ${tested.length} rows, only rows far from the others can be significant; measure more workers (bench --rounds, --aa)`,
    );
  }
  const singles = tested.filter((r) => r.testUnit === 'sample' && opts.testUnit === 'worker').length;
  if (singles > 0)
    warnings.push(
      `${singles} timing row(s) have a single worker on a side: tested over raw samples, which ignores worker-to-worker noise`,
    );
  const untested = rows.filter((r) => r.verdict === 'untested').length;
  if (untested > 0) warnings.push(`${untested} timing row(s) lack raw samples and were not tested`);
  return { ...sides, rows, geomeans: geomeans(rows, sides.mode), warnings, options: opts };
}

function geomeans(rows: readonly RowResult[], mode: 'runs' | 'variants'): Geomean[] {
  const groups = new Map<string, number[]>();
  const push = (scope: string, v: number) => {
    let g = groups.get(scope);
    if (!g) groups.set(scope, (g = []));
    g.push(v);
  };
  for (const r of rows) {
    if (r.kind !== 'timing' || !(r.ratio > 0) || !Number.isFinite(r.ratio)) continue;
    if (!['slower', 'faster', 'same', 'untested'].includes(r.verdict)) continue;
    if (mode === 'variants') push(`${r.suite} ${r.variant}`, r.ratio);
    else push(r.suite, r.ratio);
    push('all', r.ratio);
  }
  return [...groups].map(([scope, rs]) => ({ scope, ratio: geomean(rs), n: rs.length }));
}

export function fmtP(p: number): string {
  return p < 0.001 ? '<0.001' : p.toFixed(3);
}

/** The rows that fail `--fail-on regression`. */
export function regressions(c: Comparison): RowResult[] {
  return c.rows.filter((r) => r.verdict === 'slower' || r.verdict === 'counter-up' || r.verdict === 'failed');
}
