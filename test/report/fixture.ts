// Synthetic run folders in the harness's current schema (src/harness/schema.ts): summary and
// samples CSVs and a manifest, as `npm run bench` writes them, with seeded values; and a git
// history of empty commits (git fast-import) to hang runs on. Used by the report's tests and
// by scripts/report-scale.ts.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import { Rng } from '../../src/harness/rng.js';
import { SAMPLE_COLUMNS, SCHEMA, SUMMARY_COLUMNS } from '../../src/harness/schema.js';

export interface FixtureSuite {
  readonly name: string;
  readonly baseline: string;
  readonly variants: readonly string[];
  readonly cases: readonly string[];
  readonly timings: readonly { metric: string; unit: string; ns: number }[];
  /** variant → cost factor on every timing */
  readonly factor?: Readonly<Record<string, number>>;
  /** exact counters: value per (variant, case) */
  readonly counters?: readonly {
    metric: string;
    unit: string;
    value: (variant: string, kase: string) => number;
    detail?: string;
  }[];
  /** (variant, case) over capacity: the limit's text */
  readonly overCapacity?: Readonly<Record<string, string>>;
  /** (variant, case) that fail the gate: what differed */
  readonly gateFailed?: Readonly<Record<string, string>>;
}

export interface FixtureRun {
  readonly commit: string;
  readonly startedAt: string;
  readonly seed?: number;
  readonly rounds?: number;
  readonly samplesPerWorker?: number;
  /** relative noise of a sample (default 0.01) */
  readonly noise?: number;
  /** write per-worker samples (default true) */
  readonly samples?: boolean;
}

/** The explorer's output as formatTrace prints it (src/harness/explore.ts). */
export const TRACE = [
  '105 interleavings (exhaustive), 45 violating; shortest counterexample (3 steps): migration completed with a stale p2m view',
  '1. guest      rewrite leaf 512',
  '2. toolstack  map_p2m: read leaf 512',
  '3. guest      install frame 16',
].join('\n');

export const pairKey = (variant: string, kase: string) => `${variant}|${kase}`;

export function toySuites(): FixtureSuite[] {
  return [
    {
      name: 'ring',
      baseline: 'flat',
      variants: ['flat', 'tree', 'fifo'],
      cases: ['ports=64,load=sparse', 'ports=4096,load=dense'],
      timings: [
        { metric: 'deliver', unit: 'ns/event', ns: 20 },
        { metric: 'send', unit: 'ns/send', ns: 8 },
      ],
      factor: { tree: 1.5, fifo: 0.8 },
      counters: [
        { metric: 'words_read', unit: 'words/event', value: (v) => (v === 'tree' ? 3 : 2) },
        { metric: 'capacity', unit: 'ports', value: (v) => (v === 'flat' ? 4096 : 131072) },
      ],
      overCapacity: { [pairKey('flat', 'ports=4096,load=dense')]: 'flat addresses 1024 ports; the case needs 4096' },
    },
    {
      name: 'walk',
      baseline: 'tree3',
      variants: ['tree3', 'linear'],
      cases: ['gib=16'],
      timings: [{ metric: 'lookup', unit: 'ns/lookup', ns: 5 }],
      factor: { linear: 0.6 },
      counters: [{ metric: 'walk_missed', unit: 'interleavings', value: () => 45, detail: TRACE }],
      gateFailed: { [pairKey('linear', 'gib=16')]: 'observation 17: expected mfn 0x10, got 0x11' },
    },
  ];
}

type Rec = Record<string, string | number | boolean>;

/** Writes one run of `suites` into dir (created). */
export function writeRun(dir: string, suites: readonly FixtureSuite[], run: FixtureRun): void {
  mkdirSync(dir, { recursive: true });
  const rounds = run.rounds ?? 2;
  const per = run.samplesPerWorker ?? 5;
  const noise = run.noise ?? 0.01;
  const rng = new Rng((run.seed ?? 1) >>> 0);
  const runId = `${run.startedAt.replace(/[-:.]/g, '')}-${run.commit.slice(0, 8)}`;
  const env = {
    host: 'fixture',
    cpu: 'Synthetic CPU',
    cores: 2,
    node: 'v20.0.0',
    v8: '11.3',
    threads: 1,
    isolation: 'worker-per-task',
  };
  for (const s of suites) {
    const rows: Rec[] = [];
    const samples: Rec[] = [];
    const base = (variant: string, kase: string, metric: string, unit: string, kind: string): Rec => ({
      schema: SCHEMA,
      run_id: runId,
      commit: run.commit,
      dirty: false,
      started_at: run.startedAt,
      ...env,
      suite: s.name,
      variant,
      case: kase,
      seed: 1,
      load: `${s.name}-load@1`,
      metric,
      unit,
      kind,
      profile: 'default',
      rounds,
      time_ms: 5,
      aa_band_pct: '',
      spread_pct: '',
      detail: '',
    });
    for (const kase of s.cases) {
      for (const v of s.variants) {
        const k = pairKey(v, kase);
        const limit = s.overCapacity?.[k];
        const failed = s.gateFailed?.[k];
        if (limit !== undefined || failed !== undefined) {
          const metric = limit !== undefined ? 'capacity' : 'gate';
          rows.push({
            ...base(v, kase, metric, '-', limit !== undefined ? 'counter' : 'timing'),
            status: limit !== undefined ? 'unsupported' : 'gate-failed',
            n: 0,
            detail: limit ?? failed!,
          });
          continue;
        }
        for (const t of s.timings) {
          const centre = t.ns * (s.factor?.[v] ?? 1);
          const workerMedians: number[] = [];
          const all: number[] = [];
          for (let r = 0; r < rounds; r++) {
            for (let rep = 0; rep < 2; rep++) {
              const shift = 1 + noise * (rng.float() - 0.5);
              const vals: number[] = [];
              for (let i = 0; i < per; i++) vals.push(centre * shift * (1 + noise * (rng.float() - 0.5)));
              vals.forEach((value, index) =>
                samples.push({
                  schema: SCHEMA,
                  run_id: runId,
                  suite: s.name,
                  variant: v,
                  case: kase,
                  seed: 1,
                  metric: t.metric,
                  unit: t.unit,
                  round: r,
                  replica: rep,
                  index,
                  value,
                }),
              );
              workerMedians.push(med(vals));
              all.push(...vals);
            }
          }
          const m = med(all);
          const spread = ((Math.max(...workerMedians) - Math.min(...workerMedians)) / m) * 100;
          rows.push({
            ...base(v, kase, t.metric, t.unit, 'timing'),
            n: all.length,
            mean: m,
            median: m,
            p99: Math.max(...all),
            min: Math.min(...all),
            max: Math.max(...all),
            sd: 0,
            rme: 0,
            status: 'ok',
            aa_band_pct: noise * 50,
            spread_pct: spread,
            detail: `gate checked 164 observations; warmup 1 ms (steady)`,
          });
        }
        for (const c of s.counters ?? []) {
          const value = c.value(v, kase);
          rows.push({
            ...base(v, kase, c.metric, c.unit, 'counter'),
            n: 1,
            mean: value,
            median: value,
            p99: value,
            min: value,
            max: value,
            sd: 0,
            rme: 0,
            status: 'ok',
            detail: c.detail ?? '',
          });
        }
      }
    }
    writeFileSync(join(dir, `${s.name}.csv`), stringify(rows, { header: true, columns: [...SUMMARY_COLUMNS] }));
    if (run.samples !== false) {
      writeFileSync(
        join(dir, `${s.name}.samples.csv`),
        stringify(samples, { header: true, columns: [...SAMPLE_COLUMNS] }),
      );
    }
  }
  const manifest = {
    schema: SCHEMA,
    run_id: runId,
    commit: run.commit,
    dirty: false,
    started_at: run.startedAt,
    complete: true,
    interrupted: false,
    argv: ['--rounds', String(rounds), '--aa'],
    env: { commit: run.commit, dirty: false, ...env },
    options: { profile: 'default', seed: 1, threads: 1, rounds, time_ms: 5, aa: true, isolation: 'worker-per-task' },
    suites: suites.map((s) => s.name),
    baselines: Object.fromEntries(suites.map((s) => [s.name, s.baseline])),
    failures: suites.reduce((n, s) => n + Object.keys(s.gateFailed ?? {}).length, 0),
  };
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
}

function med(xs: readonly number[]): number {
  const a = [...xs].sort((x, y) => x - y);
  const h = a.length >> 1;
  return a.length % 2 === 1 ? a[h]! : (a[h - 1]! + a[h]!) / 2;
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A git repository with n empty commits on main (oldest first); returns their ids. */
export function gitHistory(dir: string, n: number): string[] {
  const git = (args: string[], input?: string) =>
    execFileSync('git', args, { cwd: dir, input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] }).trim();
  git(['init', '-q', '-b', 'main']);
  let stream = '';
  for (let i = 0; i < n; i++) {
    const msg = `commit ${i + 1}\n`;
    stream += `commit refs/heads/main\nmark :${i + 1}\ncommitter Fixture <fixture@example.invalid> ${1700000000 + i * 60} +0000\ndata ${Buffer.byteLength(msg)}\n${msg}\n`;
  }
  git(['fast-import', '--quiet'], stream);
  return git(['rev-list', '--reverse', 'main']).split('\n');
}

/**
 * A checkout with `n` commits and one run of the toy suites at each (results/<commit12>/):
 * from commit `stepAt` on (1-based) variant tree costs 10% more, and from `counterAt` on its
 * words_read counter is 4 instead of 3. Returns the commits, oldest first.
 */
export function writeHistory(dir: string, n: number, stepAt: number, counterAt: number): string[] {
  const commits = gitHistory(dir, n);
  commits.forEach((c, i) => {
    const suites = toySuites().map((s) =>
      s.name !== 'ring'
        ? s
        : {
            ...s,
            factor: { ...s.factor, tree: i + 1 >= stepAt ? 1.65 : 1.5 },
            counters: s.counters!.map((k) =>
              k.metric !== 'words_read'
                ? k
                : { ...k, value: (v: string) => (v === 'tree' ? (i + 1 >= counterAt ? 4 : 3) : 2) },
            ),
          },
    );
    writeRun(join(dir, 'results', c.slice(0, 12)), suites, {
      commit: c,
      startedAt: new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString(),
      seed: i + 1,
    });
  });
  return commits;
}
