// Runs a plan: tasks in isolated workers, `threads` at a time, in plan order; as each case
// completes, its summary rows are written. A failing variant (gate, throw, hang) is written
// as a failed row and skipped for the rest of that case; everything else goes on.
import { randomBytes } from 'node:crypto';
import { loadFileId } from './loadfile.js';
import { SuiteWriter } from './output.js';
import { planTasks, type CasePlan, type LoadedSuite, type PlannedTask } from './plan.js';
import { ISOLATION, runIsolated, type Outcome } from './pool.js';
import type { Progress } from './progress.js';
import { FAILED, SCHEMA, type SummaryRow } from './schema.js';
import { summarize } from './summary.js';
import type { Counter, Profile } from './suite.js';
import { aaBandPct, type Manifest, type RunEnv, writeManifest } from './rundir.js';
import { type ContentionSample, contentionColumns } from './contention.js';
import { findModes, modesCell } from './modes.js';

export interface RunOptions {
  readonly suites: readonly LoadedSuite[];
  readonly cases: readonly CasePlan[];
  readonly profile: Profile;
  readonly seed: number;
  readonly threads: number;
  readonly rounds: number;
  readonly timeMs: number;
  readonly taskTimeoutMs: number;
  readonly aa: boolean;
  readonly outDir: string;
  readonly loadFile?: string;
  /** calibration: variant → fraction by which its timed calls are stretched */
  readonly slowdown?: Readonly<Record<string, number>>;
  readonly env: RunEnv;
  readonly argv: readonly string[];
  readonly progress: Progress;
  /** aborts the run: running tasks are terminated, files are left marked partial */
  readonly interrupt?: AbortSignal;
}

export interface RunOutcome {
  readonly dir: string;
  readonly runId: string;
  readonly rows: SummaryRow[];
  readonly failures: number;
  readonly interrupted: boolean;
}

interface VariantAcc {
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
      better?: string;
    }
  >;
  checked: number;
}

interface CaseAcc {
  remaining: number;
  variants: Map<string, VariantAcc>;
}

export async function runPlan(o: RunOptions): Promise<RunOutcome> {
  const startedAt = new Date().toISOString();
  const runId = `${startedAt.replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${o.env.commit.slice(0, 8)}-${randomBytes(2).toString('hex')}`;
  const tasks = planTasks(o.cases, o.rounds, o.aa);
  const writers = new Map<string, SuiteWriter>();
  const usedSuites = o.suites.filter((s) => o.cases.some((c) => c.suite.name === s.name));
  for (const s of usedSuites) writers.set(s.name, new SuiteWriter(o.outDir, s.name));
  const manifest: Manifest = {
    schema: SCHEMA,
    run_id: runId,
    commit: o.env.commit,
    dirty: o.env.dirty,
    started_at: startedAt,
    complete: false,
    interrupted: false,
    argv: o.argv,
    env: o.env,
    options: {
      profile: o.profile,
      seed: o.seed,
      threads: o.threads,
      rounds: o.rounds,
      time_ms: o.timeMs,
      aa: o.aa,
      isolation: ISOLATION,
      load_file: o.loadFile ?? null,
      inject_slowdown: o.slowdown ?? null,
    },
    suites: usedSuites.map((s) => s.name),
    baselines: Object.fromEntries(usedSuites.map((s) => [s.name, s.def.baseline])),
    primary_metrics: Object.fromEntries(usedSuites.map((s) => [s.name, s.def.primaryMetric])),
    failures: 0,
  };
  writeManifest(o.outDir, manifest);

  const loadIdFile = o.loadFile ? loadFileId(o.loadFile) : undefined;
  const base = (c: CasePlan, variant: string) => ({
    schema: SCHEMA,
    run_id: runId,
    commit: o.env.commit,
    dirty: o.env.dirty,
    started_at: startedAt,
    host: o.env.host,
    cpu: o.env.cpu,
    cores: o.env.cores,
    node: o.env.node,
    v8: o.env.v8,
    threads: o.threads,
    isolation: ISOLATION,
    suite: c.suite.name,
    variant,
    case: c.key,
    seed: o.seed,
    load: loadIdFile ?? `${c.suite.def.load.name}@${c.suite.def.load.version}`,
    profile: o.profile,
    rounds: o.rounds,
    time_ms: o.timeMs,
  });

  const accs = new Map<CasePlan, CaseAcc>();
  for (const t of tasks) {
    let acc = accs.get(t.c);
    if (!acc) accs.set(t.c, (acc = { remaining: 0, variants: new Map() }));
    acc.remaining++;
    if (!acc.variants.has(t.variant))
      acc.variants.set(t.variant, { counters: new Map(), timings: new Map(), checked: 0, contention: [] });
  }

  const rows: SummaryRow[] = [];
  let failures = 0;
  const emitCase = (c: CasePlan, acc: CaseAcc) => {
    const w = writers.get(c.suite.name)!;
    for (const [variant, v] of acc.variants) {
      for (const r of caseRows(base(c, variant), v)) {
        if (FAILED.has(String(r.status))) failures++;
        rows.push(r);
        w.row(r);
      }
      for (const [metric, t] of v.timings) {
        for (const { round, replica, samples } of t.byRound) {
          samples.forEach((value, index) =>
            w.sample({
              schema: SCHEMA,
              run_id: runId,
              suite: c.suite.name,
              variant,
              case: c.key,
              seed: o.seed,
              metric,
              unit: t.unit,
              round,
              replica,
              index,
              value,
            }),
          );
        }
      }
    }
  };

  const runOne = async (t: PlannedTask) => {
    const acc = accs.get(t.c)!;
    const v = acc.variants.get(t.variant)!;
    const label = `${t.c.suite.name} ${t.variant} ${t.c.key} r${t.round}${o.aa ? `.${t.replica}` : ''}`;
    const t0 = performance.now();
    let status = 'skipped';
    // A variant that failed or is beyond capacity for this case is not run again: the
    // result is deterministic, and a hang would cost another timeout per round.
    if (!v.failure && v.unsupported === undefined) {
      const outcome = await runIsolated(
        {
          suite: t.c.suite.name,
          suiteUrl: t.c.suite.url,
          variant: t.variant,
          params: t.c.params,
          caseKey: t.c.key,
          seed: o.seed,
          round: t.round,
          replica: t.replica,
          timeMs: o.timeMs,
          ...(o.loadFile ? { loadFile: o.loadFile } : {}),
          ...(o.slowdown?.[t.variant] ? { slowdown: o.slowdown[t.variant] } : {}),
        },
        o.taskTimeoutMs,
        o.interrupt,
      );
      if (o.interrupt?.aborted) return;
      status = outcome.status;
      absorb(v, t, outcome);
      const failure = v.failure as VariantAcc['failure']; // absorb() may have set it
      if (failure) o.progress.log(`FAIL ${label}: ${failure.status}: ${failure.detail}`);
    }
    o.progress.done(label, status, performance.now() - t0);
    if (--acc.remaining === 0) emitCase(t.c, acc);
  };

  o.progress.start(tasks.length);
  let next = 0;
  const lanes = Array.from({ length: Math.max(1, o.threads) }, async () => {
    while (next < tasks.length && !o.interrupt?.aborted) await runOne(tasks[next++]!);
  });
  await Promise.all(lanes);
  o.progress.stop();

  const interrupted = Boolean(o.interrupt?.aborted);
  await Promise.all([...writers.values()].map((w) => w.close(!interrupted)));
  writeManifest(o.outDir, {
    ...manifest,
    complete: !interrupted,
    interrupted,
    finished_at: new Date().toISOString(),
    failures,
  });
  return { dir: o.outDir, runId, rows, failures, interrupted };
}

function absorb(v: VariantAcc, t: PlannedTask, outcome: Outcome): void {
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
          v.timings.set(tm.metric, (m = { unit: tm.unit, replicas: [], byRound: [], warmupMs: [], unsettled: 0 }));
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

function timingDetail(checked: number, warmupMs: number[], unsettled: number): string {
  const w = `warmup ${Math.round(Math.min(...warmupMs))}-${Math.round(Math.max(...warmupMs))} ms`;
  const steady = unsettled === 0 ? 'steady' : `NOT steady in ${unsettled} of ${warmupMs.length} workers`;
  return `gate checked ${checked} observations; ${w} (${steady})`;
}

function caseRows(
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
      detail: timingDetail(v.checked, t.warmupMs, t.unsettled),
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
      better: c.better ?? '',
    });
  }
  return rows;
}
