// Reading one side of a comparison: a run folder or a single suite CSV, validated against the
// schema the harness writes (src/harness/schema.ts), so that a file of another tool, another
// schema version or a truncated write is refused with a message naming the problem.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { parse } from 'csv-parse/sync';
import {
  aaBandPct,
  ENV_FIELDS,
  type EnvField,
  type Manifest,
  readManifest as readManifestFile,
  runDirName,
} from '../harness/rundir.js';
import { FAILED, OPTIONAL_SUMMARY_COLUMNS, SAMPLE_COLUMNS, SCHEMA, SUMMARY_COLUMNS } from '../harness/schema.js';
import { type Contention, poolContention } from './unknown.js';
import { InputError } from '../harness/exit.js';
import { median } from './stats.js';
import { checkSample, checkSummary, type Located } from './validate.js';

export type { Manifest } from '../harness/rundir.js';

export interface SummaryRec {
  readonly suite: string;
  readonly variant: string;
  readonly case: string;
  readonly metric: string;
  readonly unit: string;
  readonly kind: string;
  readonly status: string;
  readonly n: number;
  readonly mean: number;
  readonly median: number;
  readonly seed: string;
  readonly load: string;
  readonly commit: string;
  readonly dirty: string;
  /** A/A spread of this case in percent, when the run used --aa */
  readonly aaBandPct: number | undefined;
  readonly detail: string;
  readonly env: Readonly<Record<EnvField, string>>;
  /** the `better` cell: 'higher', 'lower' or '' (older files: '') */
  readonly better: string;
  /** how busy the machine was while the row's workers timed (older files: undefined) */
  readonly contention: Contention | undefined;
}

export interface Run {
  /** how the side is named in output: its commit, or the file/folder name */
  readonly label: string;
  /** the folder or file it was read from */
  readonly source: string;
  readonly manifest: Manifest | undefined;
  readonly rows: SummaryRec[];
  /** row key → raw timing samples, one array per worker (round × replica) */
  readonly samples: Map<string, number[][]>;
  /** row key → the replica (--aa) of each worker in `samples`, in the same order */
  readonly replicas: Map<string, string[]>;
  /** things the reader should know: ignored partial files, missing sample files */
  readonly notes: string[];
}

/** The identity of a row across runs. */
export function rowKey(r: { suite: string; variant: string; case: string; metric: string }): string {
  return `${r.suite}\u0000${r.variant}\u0000${r.case}\u0000${r.metric}`;
}

const SAMPLES_SUFFIX = '.samples.csv';

/** Reads a run folder, or a `<suite>.csv` (with its `<suite>.samples.csv` beside it if present). */
export function readRun(path: string, label?: string): Run {
  if (!existsSync(path)) throw new InputError(`${path}: no such file or folder`);
  const st = statSync(path);
  if (st.isDirectory()) return readFolder(path, label);
  let summary = path;
  if (path.endsWith(SAMPLES_SUFFIX)) summary = path.slice(0, -SAMPLES_SUFFIX.length) + '.csv';
  if (!summary.endsWith('.csv')) throw new InputError(`${path}: not a .csv file nor a results folder`);
  const notes: string[] = [];
  const run = emptyRun(
    label ?? basename(dirname(summary)) + '/' + basename(summary),
    summary,
    readManifest(dirname(summary), notes),
    notes,
  );
  readSuite(summary, run);
  return run;
}

function emptyRun(label: string, source: string, manifest: Manifest | undefined, notes: string[]): Run {
  return { label, source, manifest, rows: [], samples: new Map(), replicas: new Map(), notes };
}

function readFolder(dir: string, label?: string): Run {
  const names = readdirSync(dir).sort();
  const notes: string[] = [];
  const partial = names.filter((n) => n.endsWith('.partial'));
  if (partial.length > 0) {
    notes.push(`${dir}: ignored ${partial.join(', ')} (still being written, or left by an interrupted run)`);
  }
  const suites = names.filter((n) => n.endsWith('.csv') && !n.endsWith(SAMPLES_SUFFIX));
  if (suites.length === 0) {
    const why = partial.length > 0 ? ' (only .partial files: the run is still going or was interrupted)' : '';
    throw new InputError(`${dir}: no <suite>.csv in this folder${why}`);
  }
  const manifest = readManifest(dir, notes);
  if (manifest?.complete === false) notes.push(`${dir}: manifest says the run is not complete`);
  const run = emptyRun(
    label ?? (manifest?.commit ? runDirName(manifest.commit, manifest.dirty === true) : basename(dir)),
    dir,
    manifest,
    notes,
  );
  for (const s of suites) readSuite(join(dir, s), run);
  return run;
}

function readManifest(dir: string, notes: string[]): Manifest | undefined {
  try {
    return readManifestFile(dir);
  } catch (e) {
    notes.push(`${join(dir, 'manifest.json')}: unreadable manifest ignored (${(e as Error).message})`);
    return undefined;
  }
}

/** Parses a CSV file into its header and records, refusing anything but our schema. */
function readTable(file: string, expected: readonly string[], optional: readonly string[] = []): Located[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new InputError(`${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  let table: string[][];
  let lines: number[];
  try {
    const parsed = parse(text, { skip_empty_lines: true, info: true }) as unknown as {
      record: string[];
      info: { lines: number };
    }[];
    table = parsed.map((p) => p.record);
    lines = parsed.map((p) => p.info.lines);
  } catch (e) {
    throw new InputError(`${file}: not valid CSV (${(e as Error).message})`);
  }
  const header = table[0];
  if (header === undefined) throw new InputError(`${file}: empty file (no header row)`);
  const missing = expected.filter((c) => !header.includes(c) && !optional.includes(c));
  const unexpected = header.filter((c) => !expected.includes(c));
  if (missing.length > 0 || unexpected.length > 0) {
    const parts: string[] = [];
    if (missing.length > 0) parts.push(`missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`);
    if (unexpected.length > 0)
      parts.push(`unexpected column${unexpected.length > 1 ? 's' : ''} ${unexpected.join(', ')}`);
    throw new InputError(`${file}: not a ${SCHEMA} file: ${parts.join('; ')}`);
  }
  const records = table.slice(1).map((cells, i) => {
    const rec: Record<string, string> = {};
    header.forEach((c, j) => (rec[c] = cells[j] ?? ''));
    return { rec, line: lines[i + 1]! };
  });
  const other = records.find((r) => r.rec['schema'] !== SCHEMA);
  if (other !== undefined) {
    throw new InputError(
      `${file}: line ${other.line}: schema '${other.rec['schema']}' where this compare reads '${SCHEMA}'`,
    );
  }
  return records;
}

function num(s: string | undefined): number {
  if (s === undefined || s === '') return NaN;
  return Number(s);
}

/** The contention columns of a row (src/harness/contention.ts), undefined in older files. */
function contentionOf(r: Record<string, string>): Contention | undefined {
  const f = (c: string) => {
    const v = num(r[c]);
    return Number.isFinite(v) ? v : undefined;
  };
  const c = {
    cpuSomePct: f('cpu_some_pct'),
    stealPct: f('steal_pct'),
    othersBusyCpus: f('others_busy_cpus'),
    loadavg: f('loadavg'),
    workers: 1,
  };
  return Object.values(c).filter((v) => v !== undefined).length > 1 ? c : undefined;
}

function readSuite(file: string, run: Run): void {
  const located = readTable(file, SUMMARY_COLUMNS, OPTIONAL_SUMMARY_COLUMNS);
  checkSummary(file, located);
  const recs = located.map((l) => l.rec);
  for (const r of recs) {
    const env = Object.fromEntries(ENV_FIELDS.map((f) => [f, r[f] ?? ''])) as Record<EnvField, string>;
    const band = num(r['aa_band_pct']);
    run.rows.push({
      suite: r['suite']!,
      variant: r['variant']!,
      case: r['case']!,
      metric: r['metric']!,
      unit: r['unit']!,
      kind: r['kind']!,
      status: r['status']!,
      n: num(r['n']),
      mean: num(r['mean']),
      median: num(r['median']),
      seed: r['seed']!,
      load: r['load']!,
      commit: r['commit']!,
      dirty: r['dirty']!,
      aaBandPct: Number.isFinite(band) ? band : undefined,
      detail: r['detail'] ?? '',
      env,
      better: r['better'] ?? '',
      contention: contentionOf(r),
    });
  }
  const samplesFile = file.slice(0, -'.csv'.length) + SAMPLES_SUFFIX;
  const timing = recs.filter((r) => r['kind'] === 'timing' && r['status'] === 'ok').length;
  if (!existsSync(samplesFile)) {
    if (timing > 0) run.notes.push(`${samplesFile}: missing, so timings are compared by median only, without a test`);
    return;
  }
  const workers = new Map<string, Map<string, number[]>>();
  for (const located of readTable(samplesFile, SAMPLE_COLUMNS)) {
    const s = located.rec;
    const v = checkSample(samplesFile, located);
    const key = rowKey({ suite: s['suite']!, variant: s['variant']!, case: s['case']!, metric: s['metric']! });
    let byWorker = workers.get(key);
    if (byWorker === undefined) workers.set(key, (byWorker = new Map()));
    const w = `${s['round']}/${s['replica']}`;
    let vs = byWorker.get(w);
    if (vs === undefined) byWorker.set(w, (vs = []));
    vs.push(v);
  }
  for (const [key, byWorker] of workers) {
    run.samples.set(key, [...byWorker.values()]);
    run.replicas.set(
      key,
      [...byWorker.keys()].map((w) => w.slice(w.indexOf('/') + 1)),
    );
  }
}

/**
 * Pools several runs of one commit into one side of a comparison: their workers add up (each
 * run's workers stay separate). A row that failed in any run is a failure. The A/A
 * band is recomputed over the pooled workers as the harness defines it (the medians of the two
 * replicas' samples, apart, relative to the median of all): a run of one round has a single
 * worker per replica, so its own band is one pair's disagreement, far wider than the noise of a
 * median over ten workers. Without replica samples, the median of the runs' bands.
 */
export function mergeRuns(runs: readonly Run[], label: string, source: string): Run {
  if (runs.length === 1) return { ...runs[0]!, label, source };
  const rows = new Map<string, SummaryRec>();
  const bands = new Map<string, number[]>();
  const contention = new Map<string, Contention[]>();
  const samples = new Map<string, number[][]>();
  const replicas = new Map<string, string[]>();
  for (const run of runs) {
    for (const row of run.rows) {
      const k = rowKey(row);
      const prev = rows.get(k);
      if (row.aaBandPct !== undefined) bands.set(k, [...(bands.get(k) ?? []), row.aaBandPct]);
      const w = run.samples.get(k)?.length ?? 1;
      if (row.contention) contention.set(k, [...(contention.get(k) ?? []), { ...row.contention, workers: w }]);
      if (prev === undefined || (FAILED.has(row.status) && !FAILED.has(prev.status))) rows.set(k, row);
    }
    for (const [k, workers] of run.samples) {
      samples.set(k, [...(samples.get(k) ?? []), ...workers]);
      replicas.set(k, [...(replicas.get(k) ?? []), ...(run.replicas.get(k) ?? workers.map(() => '0'))]);
    }
  }
  const merged = [...rows].map(([k, r]) => {
    const row = { ...r, contention: poolContention(contention.get(k) ?? []) };
    const b = bands.get(k);
    if (b === undefined) return { ...row, aaBandPct: undefined };
    return { ...row, aaBandPct: pooledBand(samples.get(k), replicas.get(k)) ?? median(b) };
  });
  return {
    label,
    source,
    manifest: runs[0]!.manifest,
    rows: merged,
    samples,
    replicas,
    notes: runs.flatMap((r) => r.notes),
  };
}

/** The harness's A/A band (rundir.ts) over the pooled workers of one row. */
function pooledBand(workers: number[][] | undefined, reps: string[] | undefined): number | undefined {
  if (workers === undefined || reps === undefined) return undefined;
  return aaBandPct(workers.map((w, i) => ({ replica: reps[i]!, median: median(w) })));
}
