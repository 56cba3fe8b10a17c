// What the page shows of one run, computed from its rows and samples: per suite and case,
// each variant's state (gate passed, over capacity, failed…), its timings as ratios to the
// suite's baseline with a bootstrap interval (the same one compare computes: workers, then
// samples within them), one ratio per worker, and its exact counters and observed gauges.
import { bootstrapRatioCI, hashSeed, median } from '../compare/stats.js';
import { samplesOf, rowKey, type Row, type RunData, type Worker } from './read.js';

export type State = 'ok' | 'unsupported' | 'gate-failed' | 'error' | 'timeout';

export interface VariantState {
  readonly state: State;
  readonly detail: string;
  /** observations the gate compared, when the row says */
  readonly checked: number | undefined;
}

export interface TimingView {
  readonly metric: string;
  readonly unit: string;
  readonly variant: string;
  readonly median: number;
  readonly spreadPct: number | undefined;
  readonly aaBandPct: number | undefined;
  /** to the baseline's median; undefined when the baseline has no such row */
  readonly ratio: number | undefined;
  readonly lo: number | undefined;
  readonly hi: number | undefined;
  /** each worker's median over the baseline's median */
  readonly workers: number[];
}

export interface ValueView {
  readonly metric: string;
  readonly unit: string;
  /** variant → its row */
  readonly byVariant: Map<string, Row>;
}

export interface CaseView {
  readonly key: string;
  /** what ratios are taken to: the baseline, or when it is over capacity or failed here, the first variant timed */
  readonly reference: string | undefined;
  readonly states: Map<string, VariantState>;
  readonly timings: TimingView[];
  readonly counters: ValueView[];
  readonly gauges: ValueView[];
}

export interface SuiteView {
  readonly name: string;
  readonly question: string | undefined;
  readonly baseline: string;
  /** baseline first, then in the order the run wrote them */
  readonly variants: string[];
  readonly cases: CaseView[];
}

const FAILED_STATES: ReadonlySet<string> = new Set(['gate-failed', 'error', 'timeout']);

function stateOf(rows: readonly Row[]): VariantState {
  const failed = rows.find((r) => FAILED_STATES.has(r.status));
  const over = rows.find((r) => r.status === 'unsupported');
  const pick = failed ?? over;
  const checked = rows.map((r) => /gate checked (\d+) observations/.exec(r.detail)?.[1]).find((x) => x !== undefined);
  return {
    state: (pick?.status as State | undefined) ?? 'ok',
    detail: pick?.detail ?? '',
    checked: checked === undefined ? undefined : Number(checked),
  };
}

function values(rows: readonly Row[], kind: string): ValueView[] {
  const out = new Map<string, ValueView>();
  for (const r of rows) {
    if (r.kind !== kind || r.status !== 'ok') continue;
    let v = out.get(r.metric);
    if (v === undefined) out.set(r.metric, (v = { metric: r.metric, unit: r.unit, byVariant: new Map() }));
    v.byVariant.set(r.variant, r);
  }
  return [...out.values()];
}

function timing(r: Row, base: Row | undefined, samples: Map<string, Worker[]>): TimingView {
  const mine = samples.get(rowKey(r));
  const theirs = base === undefined ? undefined : samples.get(rowKey(base));
  const common = { metric: r.metric, unit: r.unit, variant: r.variant, median: r.median };
  const bands = { spreadPct: r.spreadPct, aaBandPct: r.aaBandPct };
  const none = { ratio: undefined, lo: undefined, hi: undefined, workers: [] };
  if (base === undefined) return { ...common, ...bands, ...none };
  if (mine === undefined || theirs === undefined || mine.length === 0 || theirs.length === 0) {
    return { ...common, ...bands, ...none, ratio: r.median / base.median };
  }
  const baseMedian = median(theirs.flatMap((w) => w.values));
  const workers = mine.map((w) => median(w.values) / baseMedian);
  if (r.variant === base.variant) return { ...common, ...bands, ...none, ratio: 1, workers };
  const ci = bootstrapRatioCI(
    theirs.map((w) => w.values),
    mine.map((w) => w.values),
    { seed: hashSeed(rowKey(r)), resamples: 1000 },
  );
  return { ...common, ...bands, ratio: ci.ratio, lo: ci.lo, hi: ci.hi, workers };
}

export function suiteView(run: RunData, suite: string, question: string | undefined): SuiteView {
  const rows = run.rows.filter((r) => r.suite === suite);
  const seen = [...new Set(rows.map((r) => r.variant))];
  const baseline = run.manifest?.baselines?.[suite] ?? seen[0] ?? '';
  const variants = [baseline, ...seen.filter((v) => v !== baseline)].filter((v) => seen.includes(v));
  const samples = samplesOf(run, suite);
  const caseKeys = [...new Set(rows.map((r) => r.case))];
  const cases = caseKeys.map((key): CaseView => {
    const mine = rows.filter((r) => r.case === key);
    const states = new Map<string, VariantState>();
    for (const v of variants) {
      const vr = mine.filter((r) => r.variant === v);
      if (vr.length > 0) states.set(v, stateOf(vr));
    }
    const timed = mine.filter((r) => r.kind === 'timing' && r.status === 'ok');
    const reference = timed.some((r) => r.variant === baseline)
      ? baseline
      : variants.find((v) => timed.some((r) => r.variant === v));
    const timings = timed.map((r) =>
      timing(
        r,
        timed.find((b) => b.variant === reference && b.metric === r.metric),
        samples,
      ),
    );
    timings.sort((a, b) => variants.indexOf(a.variant) - variants.indexOf(b.variant));
    return { key, reference, states, timings, counters: values(mine, 'counter'), gauges: values(mine, 'gauge') };
  });
  return { name: suite, question, baseline, variants, cases };
}
