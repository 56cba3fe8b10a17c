// From what the tasks of a case returned to its summary rows: counters must agree across
// rounds, timings are summarised over all samples with the spread and A/A band taken over
// per-worker medians, and a failed or over-capacity variant becomes one row that says so.
import type { Outcome } from './pool.js';
import type { PlannedTask } from './plan.js';
import { aaBandPct } from './rundir.js';
import type { SummaryRow } from './schema.js';
import type { Counter } from './suite.js';
import { summarize } from './summary.js';
import { type ContentionSample, contentionColumns } from './contention.js';
import { findModes, modesCell } from './modes.js';

export interface VariantAcc {
  failure?: { status: string; detail: string };
  unsupported?: string;
  counters: Map<string, { unit: string; kind: 'counter' | 'gauge'; values: number[]; detail: string; better?: string }>;
  /** per worker that timed: how busy the machine was around its timed window */
  contention: (ContentionSample | undefined)[];
  /** metric → unit and samples per replica, in arrival order of rounds */
  timings: Map<
    string,
    {
      unit: string;
      replicas: number[][];
      byRound: { round: number; replica: number; samples: number[] }[];
      warmupMs: number[];
      unsettled: number;
      detail: string;
      better?: string;
    }
  >;
  checked: number;
}

export interface CaseAcc {
  remaining: number;
  /** tasks done (run or skipped), for the record of a case the run stopped in */
  finished: number;
  variants: Map<string, VariantAcc>;
}

export function absorb(v: VariantAcc, t: PlannedTask, outcome: Outcome): void {
  switch (outcome.status) {
    case 'unsupported':
      v.unsupported = outcome.detail;
      return;
    case 'gate-failed':
    case 'error':
    case 'timeout':
      v.failure = { status: outcome.status, detail: outcome.detail };
      return;
    case 'ok':
      v.checked = outcome.checked;
      for (const c of outcome.counters) addCounter(v, c, 'counter');
      for (const c of outcome.gauges) addCounter(v, c, 'gauge');
      if (outcome.timings.length > 0) v.contention.push(outcome.contention);
      for (const tm of outcome.timings) {
        let m = v.timings.get(tm.metric);
        if (!m)
          v.timings.set(
            tm.metric,
            (m = { unit: tm.unit, replicas: [], byRound: [], warmupMs: [], unsettled: 0, detail: tm.detail ?? '' }),
          );
        m.warmupMs.push(tm.warmupMs);
        if (tm.better) m.better = tm.better;
        if (!tm.settled) m.unsettled++;
        const into = (m.replicas[t.replica] ??= []);
        for (const x of tm.samples) into.push(x);
        m.byRound.push({ round: t.round, replica: t.replica, samples: tm.samples });
      }
  }
}

function addCounter(v: VariantAcc, c: Counter, kind: 'counter' | 'gauge'): void {
  let m = v.counters.get(c.metric);
  if (!m) v.counters.set(c.metric, (m = { unit: c.unit, kind, values: [], detail: c.detail ?? '', better: c.better }));
  // An exact counter that differs between rounds of the same seed is a bug in the model
  // (hidden state, a Math.random): say so rather than average it away.
  if (kind === 'counter' && m.values.length > 0 && m.values[0] !== c.value) {
    v.failure = {
      status: 'error',
      detail: `counter ${c.metric} is not deterministic: ${m.values[0]} in one round, ${c.value} in another`,
    };
  }
  m.values.push(c.value);
}

function timingDetail(checked: number, warmupMs: number[], unsettled: number, timed: string): string {
  const w = `warmup ${Math.round(Math.min(...warmupMs))}-${Math.round(Math.max(...warmupMs))} ms`;
  const steady = unsettled === 0 ? 'steady' : `NOT steady in ${unsettled} of ${warmupMs.length} workers`;
  const gate = `gate checked ${checked} observations; ${w} (${steady})`;
  return timed === '' ? gate : `${timed}; ${gate}`;
}

export function caseRows(
  base: Omit<
    SummaryRow,
    | 'metric'
    | 'unit'
    | 'kind'
    | 'n'
    | 'mean'
    | 'median'
    | 'p99'
    | 'min'
    | 'max'
    | 'sd'
    | 'rme'
    | 'status'
    | 'aa_band_pct'
    | 'spread_pct'
    | 'detail'
    | 'better'
    | 'modes'
    | 'cpu_some_pct'
    | 'steal_pct'
    | 'others_busy_cpus'
    | 'loadavg'
  >,
  v: VariantAcc,
  /** the suite's declared direction of a counter (SuiteDef.better), where its Counter has none */
  declared: (metric: string) => 'higher' | 'lower' | undefined = () => undefined,
): SummaryRow[] {
  const none = { better: '', modes: '', ...contentionColumns([]) };
  const blank = {
    mean: '',
    median: '',
    p99: '',
    min: '',
    max: '',
    sd: '',
    rme: '',
    aa_band_pct: '',
    spread_pct: '',
    ...none,
  };
  if (v.failure) {
    return [
      {
        ...base,
        ...blank,
        metric: 'gate',
        unit: '-',
        kind: 'counter',
        n: 0,
        status: v.failure.status,
        detail: v.failure.detail,
      },
    ];
  }
  if (v.unsupported !== undefined) {
    return [
      {
        ...base,
        ...blank,
        metric: 'capacity',
        unit: '-',
        kind: 'counter',
        n: 0,
        status: 'unsupported',
        detail: v.unsupported,
      },
    ];
  }
  const rows: SummaryRow[] = [];
  for (const [metric, t] of v.timings) {
    const all = t.replicas.flat();
    const s = summarize(all);
    // Workers differ more from each other than samples within one worker do (a slow spell of
    // a shared machine hits one worker whole), so spreads are taken over worker medians.
    const perWorker = t.byRound.map((r) => summarize(r.samples).median);
    const band =
      t.replicas.length === 2
        ? (aaBandPct(t.byRound.map((r, i) => ({ replica: r.replica, median: perWorker[i]! }))) ?? '')
        : '';
    const spread = perWorker.length > 1 ? ((Math.max(...perWorker) - Math.min(...perWorker)) / s.median) * 100 : '';
    rows.push({
      ...base,
      metric,
      unit: t.unit,
      kind: 'timing',
      ...s,
      status: 'ok',
      aa_band_pct: band,
      spread_pct: spread,
      detail: timingDetail(v.checked, t.warmupMs, t.unsettled, t.detail),
      better: t.better ?? 'lower',
      modes: modesCell(findModes(perWorker)),
      ...contentionColumns(v.contention),
    });
  }
  for (const [metric, c] of v.counters) {
    const s = summarize(c.values);
    const value = c.kind === 'counter' ? c.values[0]! : s.mean;
    const n = c.kind === 'counter' ? 1 : s.n;
    rows.push({
      ...base,
      metric,
      unit: c.unit,
      kind: c.kind,
      n,
      mean: value,
      median: c.kind === 'counter' ? value : s.median,
      p99: c.kind === 'counter' ? value : s.p99,
      min: c.kind === 'counter' ? value : s.min,
      max: c.kind === 'counter' ? value : s.max,
      sd: c.kind === 'counter' ? 0 : s.sd,
      rme: c.kind === 'counter' ? 0 : s.rme,
      status: 'ok',
      aa_band_pct: '',
      spread_pct: '',
      detail: c.detail,
      ...none,
      // the same workers' windows: a gauge depends on scheduling, a counter is shown the machine it ran on
      ...contentionColumns(v.contention),
      better: c.better ?? declared(metric) ?? '',
    });
  }
  return rows;
}
