// Judging pairs. The rules, in the order a reader needs them:
// - a failed row (gate-failed, error, timeout) is a failure, never a speed change;
// - counters are exact: any difference is shown and flagged;
// - gauges depend on scheduling: shown, never judged;
// - timings are judged over per-worker medians (the independent unit): by default with Welch
//   intervals of the log ratio under BH false-coverage control (decide.ts), or with
//   `--decision mwu` by a rank test corrected over the rows tested plus the bootstrap interval
//   of the ratio of medians; either way a change must clear --threshold and the A/A band, and
//   is `unknown` when the sides were not measured alike (unknown.ts);
// - when both sides' workers sit in the same two speed modes, the interval compares fast
//   workers with fast and slow with slow (strata.ts), and the shares of slow workers, which
//   no longer move the estimate, neither make the row `unknown` nor widen an A/A band.
import { FAILED } from '../harness/schema.js';
import { checkLoads } from './checks.js';
import { decide, resolutionOf } from './decide.js';
import { directionOf } from './direction.js';
import { compareMixtures } from './mixture.js';
import { type ModedEstimate, plainEstimate, estimateByMode } from './strata.js';
import { unknownReason } from './unknown.js';
import type { SummaryRec } from './read.js';
import { geomeans } from './summary.js';
import {
  benjaminiHochberg,
  bootstrapRatioCI,
  hashSeed,
  hodgesLehmann,
  holm,
  mannWhitneyU,
  median,
  medianCIRel,
  mwuMinP,
} from './stats.js';
import type { Cell, CompareOptions, Comparison, Pair, RowResult } from './types.js';
import { powerWarnings } from './warnings.js';

/** Hodges–Lehmann needs all n1·n2 differences sorted: only computed below this many. */
const HL_PAIRS = 250_000;

function flat(workers: number[][]): number[] {
  return workers.flat();
}

/** Per-worker medians (empty workers dropped). */
function workerMedians(workers: number[][]): number[] {
  return workers.filter((c) => c.length > 0).map((c) => median(c));
}

/**
 * The "± x%" beside a median: how far the median of the row can be trusted. With six or more
 * workers, the 95% interval of the median over workers; with two to five, the largest distance
 * of a worker's median from the row's (no interval exists for so few); with one worker, the
 * interval over its samples, which understates the worker-to-worker noise.
 */
function spreadOf(workers: number[][], m: number): number {
  const w = workerMedians(workers);
  if (w.length >= 6) return medianCIRel(w);
  if (w.length >= 2) return Math.max(...w.map((x) => Math.abs(x - m))) / Math.abs(m);
  return medianCIRel(workers.flat());
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

/** The values each tested row compared (worker medians, or samples with one worker a side). */
const tested = new WeakMap<RowResult, { x: number[]; y: number[]; e?: ModedEstimate }>();

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
    better: directionOf(rec.kind, rec.better),
    level: NaN,
    resolution: undefined,
    contention: { base: p.base?.contention, head: p.head?.contention },
    mixture: '',
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
  tested.set(r, { x, y });
  if (byWorker) r.mixture = compareMixtures(x, y).text;
  r.testUnit = byWorker ? 'worker' : 'sample';
  r.testN = [x.length, y.length];
  if (x.length * y.length <= HL_PAIRS) r.hl = hodgesLehmann(x, y);
  if (opts.decision === 'interval') {
    const e = byWorker ? estimateByMode(x, y) : plainEstimate(x, y);
    if (e === undefined) return { ...r, verdict: 'untested', reason: 'fewer than two values a side' };
    tested.get(r)!.e = e;
    if (e.strata !== '') r.mixture += ` · compared within modes (${e.strata})`;
    r.p = e.p;
    r.ratio = e.ratio;
    return r;
  }
  const u = mannWhitneyU(x, y);
  r.p = u.p;
  r.exact = u.exact;
  r.minP = mwuMinP(x.length, y.length);
  return r;
}

/** The verdict of a tested row once its interval is known; `selected`: it excludes no change. */
function verdictOf(r: RowResult, selected: boolean, pair: Pair, opts: CompareOptions, notSelected: string): void {
  const change = (r.ratio - 1) * 100;
  const v = tested.get(r)!;
  // Compared mode with mode (strata.ts), the shares of slow workers no longer move the
  // estimate, and the A/A band, two replicas' medians over workers of both modes, measures
  // the mixture rather than the noise within a mode; the interval carries that noise.
  const withinModes = v.e !== undefined && v.e.strata !== '';
  if (!selected) {
    r.reason = notSelected;
    // not shown changed is not shown unchanged: an interval that straddles ±threshold
    // settles nothing, so the row says so rather than reading as "no change"
    if (r.resolution === 'open') {
      r.verdict = 'undecided';
      r.reason = `interval straddles ±${opts.thresholdPct}%: more runs needed (--until-resolved)`;
    }
  } else if (Math.abs(change) < opts.thresholdPct) r.reason = `|Δ| < ${opts.thresholdPct}% threshold`;
  else if (r.aaBandPct !== undefined && Math.abs(change) <= r.aaBandPct && !withinModes)
    r.reason = `inside the A/A band ±${r.aaBandPct.toFixed(1)}%`;
  else {
    const why =
      r.testUnit === 'worker'
        ? unknownReason(
            { base: v.x, head: v.y },
            { base: pair.base?.contention, head: pair.head?.contention },
            withinModes,
          )
        : undefined;
    if (why !== undefined) {
      r.verdict = 'unknown';
      r.reason = why;
    } else r.verdict = change > 0 ? 'slower' : 'faster';
  }
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
  const testedRows = rows.filter((r) => Number.isFinite(r.p));
  const alpha = opts.alpha * opts.alphaShare;
  if (opts.decision === 'interval') {
    const ds = decide(
      testedRows.map((r) => tested.get(r)!.e),
      { alpha, thresholdPct: opts.thresholdPct, correction: opts.correction },
    );
    testedRows.forEach((r, i) => {
      const d = ds[i]!;
      r.pAdj = d.pAdj;
      r.ciLo = d.lo;
      r.ciHi = d.hi;
      r.level = d.level;
      r.resolution = d.resolution;
      const inside =
        d.resolution === 'inside' ? `no change beyond ±${opts.thresholdPct}%` : 'interval includes no change';
      verdictOf(r, d.selected, pairOf.get(r)!, opts, inside);
    });
    powerWarnings(rows, testedRows, opts, warnings);
    return { ...sides, rows, geomeans: geomeans(rows, sides.mode), warnings, options: opts };
  }
  const adjusted = (opts.correction === 'holm' ? holm : benjaminiHochberg)(testedRows.map((r) => r.p));
  testedRows.forEach((r, i) => {
    r.pAdj = adjusted[i]!;
    const pr = pairOf.get(r)!;
    const ci = bootstrapRatioCI(pr.baseSamples!, pr.headSamples!, {
      confidence: opts.confidence,
      resamples: opts.resamples,
      seed: hashSeed(`${r.suite}|${r.variant}|${r.case}|${r.metric}`),
    });
    r.ciLo = ci.lo;
    r.ciHi = ci.hi;
    r.level = opts.confidence;
    r.resolution = resolutionOf(ci.lo, ci.hi, opts.thresholdPct);
    const significant = r.pAdj < alpha;
    verdictOf(
      r,
      significant && !(ci.lo <= 1 && ci.hi >= 1),
      pr,
      opts,
      significant ? 'interval includes no change' : 'not significant',
    );
  });
  powerWarnings(rows, testedRows, opts, warnings);
  return { ...sides, rows, geomeans: geomeans(rows, sides.mode), warnings, options: opts };
}
