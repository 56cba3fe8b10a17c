// Judging pairs. The rules, in the order a reader needs them:
// - a failed row (gate-failed, error, timeout) is a failure, never a speed change;
// - counters are exact: any difference is shown and flagged;
// - gauges depend on scheduling: shown, never judged;
// - timings are judged by a rank test over per-worker medians (the independent unit),
//   corrected for the number of rows tested, and must also clear the bootstrap interval of the
//   ratio of medians, --threshold and the A/A band.
import { FAILED } from '../harness/schema.js';
import { checkLoads } from './checks.js';
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
  powerWarnings(rows, tested, opts, warnings);
  return { ...sides, rows, geomeans: geomeans(rows, sides.mode), warnings, options: opts };
}
