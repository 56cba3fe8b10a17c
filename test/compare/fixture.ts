// Synthetic run folders for the compare tests: small, deterministic (seeded), written with the
// harness's own column lists so that they are exactly what the bench writes.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'csv-stringify/sync';
import { Rng } from '../../src/harness/rng.js';
import { SAMPLE_COLUMNS, SCHEMA, SUMMARY_COLUMNS, type SummaryColumn } from '../../src/harness/schema.js';
import { compareMain } from '../../src/compare/main.js';

export const COMPARE_MAIN = fileURLToPath(new URL('../../src/compare/main.js', import.meta.url));

export interface RowSpec {
  suite?: string;
  variant: string;
  case?: string;
  metric: string;
  kind?: 'timing' | 'counter' | 'gauge';
  unit?: string;
  status?: string;
  detail?: string;
  /** timing: raw samples, one array per worker (round) */
  samples?: number[][];
  /** counter/gauge value */
  value?: number;
  seed?: number;
  load?: string;
  aaBandPct?: number;
  /** workers alternate between replica 0 and 1 (a run with --aa) */
  aa?: boolean;
  /** the row's `better` cell */
  better?: 'higher' | 'lower';
  /** the row's contention cells (means over its workers) */
  contention?: { cpu_some_pct?: number; steal_pct?: number; others_busy_cpus?: number; loadavg?: number };
}

export interface RunSpec {
  commit?: string;
  rows: RowSpec[];
  env?: Partial<Record<SummaryColumn, string>>;
  /** write no samples file */
  noSamples?: boolean;
  baselines?: Record<string, string>;
  /** override the header (schema tests) */
  header?: string[];
  schema?: string;
  /** manifest.options fields to override (e.g. inject_slowdown, time_ms) */
  options?: Record<string, unknown>;
  /** manifest fields to override */
  manifest?: Record<string, unknown>;
}

/** The options a default bench run records in its manifest. */
export const DEFAULT_OPTIONS = {
  profile: 'default',
  seed: 1,
  threads: 1,
  rounds: 3,
  time_ms: 100,
  aa: false,
  isolation: 'worker-per-task',
  load_file: null,
  inject_slowdown: null,
};

/** Standard normal draws from the harness Rng (Box-Muller): deterministic per seed. */
export function gaussian(rng: Rng): number {
  const u = Math.max(rng.float(), 1e-12);
  const v = rng.float();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/**
 * Timing samples around `centre`, in `rounds` workers of `n` samples: each worker is offset by
 * `workerCv` relative noise (its JIT and heap state), each sample by `cv`, and a sample in 20
 * is 30% slower (a GC pause).
 */
export function timings(
  seed: number,
  centre: number,
  opts: { rounds?: number; n?: number; cv?: number; workerCv?: number } = {},
): number[][] {
  const rng = new Rng(seed);
  const rounds = opts.rounds ?? 8;
  const n = opts.n ?? 40;
  const cv = opts.cv ?? 0.03;
  const workerCv = opts.workerCv ?? 0.01;
  return Array.from({ length: rounds }, () => {
    const w = centre * (1 + workerCv * gaussian(rng));
    return Array.from({ length: n }, () => w * (1 + cv * gaussian(rng)) * (rng.chance(0.05) ? 1.3 : 1));
  });
}

function median(xs: number[]): number {
  const a = [...xs].sort((p, q) => p - q);
  const h = a.length >> 1;
  return a.length % 2 ? a[h]! : (a[h - 1]! + a[h]!) / 2;
}

const made: string[] = [];
// the test process removes its temporary folders when it ends, whatever the outcome
process.on('exit', () => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

export function tmp(prefix = 'hvbench-compare-'): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  made.push(d);
  return d;
}

/** Writes `<dir>/<suite>.csv`, `<suite>.samples.csv` and manifest.json for each suite in spec. */
export function writeRun(dir: string, spec: RunSpec): string {
  mkdirSync(dir, { recursive: true });
  const commit = spec.commit ?? 'a'.repeat(40);
  const suites = [...new Set(spec.rows.map((r) => r.suite ?? 'evtchn'))];
  for (const suite of suites) {
    const rows = spec.rows.filter((r) => (r.suite ?? 'evtchn') === suite);
    const summary = rows.map((r) => {
      const flat = r.samples?.flat() ?? [];
      const v = r.kind === 'timing' || r.kind === undefined ? median(flat) : (r.value ?? 0);
      const rec: Record<string, string | number> = {
        schema: spec.schema ?? SCHEMA,
        run_id: `run-${commit.slice(0, 8)}`,
        commit,
        dirty: 'false',
        started_at: '2026-11-22T00:00:00.000Z',
        host: 'box',
        cpu: 'Test CPU @ 2.0GHz',
        cores: 2,
        node: 'v20.20.2',
        v8: '11.3.244.8-node.33',
        threads: 1,
        isolation: 'worker-per-task',
        suite,
        variant: r.variant,
        case: r.case ?? 'ports=64',
        seed: r.seed ?? 1,
        load: r.load ?? 'evtchn-load@1',
        metric: r.metric,
        unit: r.unit ?? (r.kind === 'counter' ? 'words/event' : 'ns/event'),
        kind: r.kind ?? 'timing',
        n: flat.length || 1,
        mean: flat.length ? flat.reduce((s, x) => s + x, 0) / flat.length : v,
        median: v,
        p99: v,
        min: flat.length ? Math.min(...flat) : v,
        max: flat.length ? Math.max(...flat) : v,
        sd: 0,
        rme: 0,
        status: r.status ?? 'ok',
        profile: 'default',
        rounds: r.samples?.length ?? 1,
        time_ms: 100,
        aa_band_pct: r.aaBandPct ?? '',
        detail: r.detail ?? '',
        better: r.better ?? '',
        ...r.contention,
      };
      for (const [k, val] of Object.entries(spec.env ?? {})) rec[k] = val!;
      return rec;
    });
    const header = spec.header ?? [...SUMMARY_COLUMNS];
    writeFileSync(join(dir, `${suite}.csv`), stringify(summary, { header: true, columns: header }));
    if (!spec.noSamples) {
      const samples: Record<string, string | number>[] = [];
      for (const r of rows) {
        r.samples?.forEach((round, ri) =>
          round.forEach((value, index) =>
            samples.push({
              schema: spec.schema ?? SCHEMA,
              run_id: `run-${commit.slice(0, 8)}`,
              suite,
              variant: r.variant,
              case: r.case ?? 'ports=64',
              seed: r.seed ?? 1,
              metric: r.metric,
              unit: r.unit ?? 'ns/event',
              round: r.aa ? ri >> 1 : ri,
              replica: r.aa ? ri % 2 : 0,
              index,
              value,
            }),
          ),
        );
      }
      writeFileSync(
        join(dir, `${suite}.samples.csv`),
        stringify(samples, { header: true, columns: [...SAMPLE_COLUMNS] }),
      );
    }
  }
  const manifest = {
    run_id: `run-${commit.slice(0, 8)}`,
    commit,
    dirty: false,
    started_at: '2026-11-22T00:00:00.000Z',
    complete: true,
    argv: [],
    options: { ...DEFAULT_OPTIONS, ...spec.options },
    suites,
    baselines: spec.baselines,
    ...spec.manifest,
  };
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2));
  return dir;
}

export interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the compare CLI as a user would (a separate process: exit codes are part of the test). */
export function compare(args: string[], cwd: string = process.cwd(), env: NodeJS.ProcessEnv = {}): Result {
  const r = spawnSync(process.execPath, [COMPARE_MAIN, ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: undefined, ...env },
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/**
 * The same command in this process, through the function the CLI calls: the exit code is
 * compareMain's return value. Used where a test makes many comparisons: a process costs more
 * than the comparison. `compare()` above (a real process) stays for the exit paths.
 */
export async function compareIn(args: string[], cwd: string = process.cwd()): Promise<Result> {
  let stdout = '';
  let stderr = '';
  const code = await compareMain(args, {
    cwd,
    out: (s) => {
      stdout += s;
    },
    err: (s) => {
      stderr += s;
    },
    colour: false,
  });
  return { code, stdout, stderr };
}
