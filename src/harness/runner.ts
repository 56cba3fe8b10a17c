// Runs a plan: tasks in isolated workers, `threads` at a time, in plan order; as each case
// completes, its summary rows are written. A failing variant (gate, throw, hang) is written
// as a failed row and skipped for the rest of that case; everything else goes on.
import { randomBytes } from 'node:crypto';
import type { LoadFile } from './loadfile.js';
import { absorb, type CaseAcc, caseRows, type VariantAcc } from './caserows.js';
import { WriteError } from './exit.js';
import { writeFailure } from './loadfile.js';
import { type OpenWrite, SuiteWriter } from './output.js';
import { planTasks, type CasePlan, type LoadedSuite, type PlannedTask } from './plan.js';
import { ISOLATION, runIsolated, type Outcome } from './pool.js';
import type { Progress } from './progress.js';
import { FAILED, SCHEMA, type SummaryRow } from './schema.js';
import { betterOf, type Profile } from './suite.js';
import { type Manifest, releaseRunDir, type RunEnv, writeManifest } from './rundir.js';

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
  /** the --load file as read and validated once; every task gets this same text */
  readonly load?: LoadFile;
  /** calibration: variant → fraction by which its timed calls are stretched */
  readonly slowdown?: Readonly<Record<string, number>>;
  readonly env: RunEnv;
  readonly argv: readonly string[];
  /** what the user selected (recorded: runs of other selections are not pooled by compare) */
  readonly selection?: Manifest['selection'];
  /** --shard: which part of the plan this run is */
  readonly shard?: Manifest['shard'];
  readonly progress: Progress;
  /** aborts the run: running tasks are terminated, files are left marked partial */
  readonly interrupt?: AbortSignal;
  /** opens the CSV files (tests inject a full disk here) */
  readonly openWrite?: OpenWrite;
}

export interface RunOutcome {
  readonly dir: string;
  readonly runId: string;
  readonly rows: SummaryRow[];
  readonly failures: number;
  readonly interrupted: boolean;
}

export async function runPlan(o: RunOptions): Promise<RunOutcome> {
  const startedAt = new Date().toISOString();
  const runId = `${startedAt.replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${o.env.commit.slice(0, 8)}-${randomBytes(2).toString('hex')}`;
  const tasks = planTasks(o.cases, o.rounds, o.aa);
  const writers = new Map<string, SuiteWriter>();
  const usedSuites = o.suites.filter((s) => o.cases.some((c) => c.suite.name === s.name));
  for (const s of usedSuites) writers.set(s.name, new SuiteWriter(o.outDir, s.name, o.openWrite));
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
      load_id: o.load?.id ?? null,
      inject_slowdown: o.slowdown ?? null,
    },
    selection: o.selection ?? { suites: '', variants: '', case: '' },
    ...(o.shard ? { shard: o.shard } : {}),
    suites: usedSuites.map((s) => s.name),
    baselines: Object.fromEntries(usedSuites.map((s) => [s.name, s.def.baseline])),
    primary_metrics: Object.fromEntries(usedSuites.map((s) => [s.name, s.def.primaryMetric])),
    failures: 0,
  };
  writeManifest(o.outDir, manifest);

  const loadIdFile = o.load?.id;
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
    if (!acc) accs.set(t.c, (acc = { remaining: 0, finished: 0, variants: new Map() }));
    acc.remaining++;
    if (!acc.variants.has(t.variant))
      acc.variants.set(t.variant, { counters: new Map(), timings: new Map(), checked: 0, contention: [] });
  }

  const rows: SummaryRow[] = [];
  let failures = 0;
  const emitCase = (c: CasePlan, acc: CaseAcc, partial = '') => {
    const w = writers.get(c.suite.name)!;
    for (const [variant, v] of acc.variants) {
      if (partial && !v.failure && v.unsupported === undefined && v.counters.size === 0 && v.timings.size === 0)
        continue;
      for (const r of caseRows(base(c, variant), v, (metric) => betterOf(c.suite.def.better, metric))) {
        if (partial) r.detail = `${partial}${r.detail ? `; ${r.detail}` : ''}`;
        if (FAILED.has(String(r.status))) failures++;
        rows.push(r);
        w.row(r);
      }
    }
  };
  /** A task's samples go to disk as soon as it finishes: an interrupt loses no finished task. */
  const streamSamples = (t: PlannedTask, outcome: Outcome) => {
    if (outcome.status !== 'ok') return;
    const w = writers.get(t.c.suite.name)!;
    for (const tm of outcome.timings) {
      tm.samples.forEach((value, index) =>
        w.sample({
          schema: SCHEMA,
          run_id: runId,
          suite: t.c.suite.name,
          variant: t.variant,
          case: t.c.key,
          seed: o.seed,
          metric: tm.metric,
          unit: tm.unit,
          round: t.round,
          replica: t.replica,
          index,
          value,
        }),
      );
    }
  };
  // a write error (a full disk) stops the run like an interrupt, and is reported as such
  const stop = new AbortController();
  const interrupt = o.interrupt ? AbortSignal.any([o.interrupt, stop.signal]) : stop.signal;
  const writeError = () => [...writers.values()].find((w) => w.error)?.error;

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
          ...(o.load ? { loadCsv: o.load.text } : {}),
          ...(o.slowdown?.[t.variant] ? { slowdown: o.slowdown[t.variant] } : {}),
        },
        o.taskTimeoutMs,
        interrupt,
      );
      if (interrupt.aborted) return;
      status = outcome.status;
      absorb(v, t, outcome);
      streamSamples(t, outcome);
      const failure = v.failure as VariantAcc['failure']; // absorb() may have set it
      if (failure) o.progress.log(`FAIL ${label}: ${failure.status}: ${failure.detail}`);
    }
    o.progress.done(label, status, performance.now() - t0);
    acc.finished++;
    if (--acc.remaining === 0) emitCase(t.c, acc);
    if (writeError()) stop.abort();
  };

  o.progress.start(tasks.length);
  let next = 0;
  const lanes = Array.from({ length: Math.max(1, o.threads) }, async () => {
    while (next < tasks.length && !interrupt.aborted) await runOne(tasks[next++]!);
  });
  await Promise.all(lanes);
  o.progress.stop();

  const interrupted = Boolean(o.interrupt?.aborted);
  // what finished of an unfinished case is kept, and says so
  for (const [c, acc] of accs) {
    if (acc.remaining > 0 && acc.finished > 0)
      emitCase(
        c,
        acc,
        `partial: ${acc.finished} of ${acc.finished + acc.remaining} tasks finished before the run stopped`,
      );
  }
  await Promise.all([...writers.values()].map((w) => w.end()));
  const failed = writeError();
  // the files get their final names only when every one of them is complete
  if (!interrupted && !failed) for (const w of writers.values()) w.commit();
  try {
    writeManifest(o.outDir, {
      ...manifest,
      complete: !interrupted && !failed,
      interrupted,
      ...(failed ? { write_error: failed.message } : {}),
      finished_at: new Date().toISOString(),
      failures,
    });
  } catch (e) {
    if (!failed) throw writeFailure('manifest of', o.outDir, e);
  }
  releaseRunDir(o.outDir);
  if (failed)
    throw new WriteError(
      `could not write the run in ${o.outDir}: ${failed.message}; what was written is left marked .partial`,
    );
  return { dir: o.outDir, runId, rows, failures, interrupted };
}
