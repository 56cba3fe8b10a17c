// Reading one run folder as `npm run bench` writes it (results/<commit12>[.N]/): manifest.json,
// <suite>.csv (one row per suite, variant, case, metric) and <suite>.samples.csv (every timing
// sample, tagged with its worker: round × replica). The columns are the harness's own list
// (src/harness/schema.ts), so a file of another schema is refused with the column named.
// Summaries and samples are read separately: a history of hundreds of commits needs only the
// summaries, and the samples of the few runs a page shows in detail.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { SAMPLE_COLUMNS, SCHEMA, SUMMARY_COLUMNS } from '../harness/schema.js';
import { parseCsv } from './csv.js';
import { BadInput } from './errors.js';

export interface Row {
  readonly suite: string;
  readonly variant: string;
  readonly case: string;
  readonly metric: string;
  readonly unit: string;
  /** timing | counter | gauge */
  readonly kind: string;
  readonly status: string;
  readonly n: number;
  readonly median: number;
  /** range of the per-worker medians in % of the median (timings) */
  readonly spreadPct: number | undefined;
  /** A/A noise band in % (runs made with --aa) */
  readonly aaBandPct: number | undefined;
  readonly detail: string;
}

export interface Manifest {
  readonly run_id?: string;
  readonly commit?: string;
  readonly dirty?: boolean;
  readonly started_at?: string;
  readonly complete?: boolean;
  readonly argv?: string[];
  readonly suites?: string[];
  readonly baselines?: Record<string, string>;
  /** suite → its question, if the harness records it (read before the suite registry) */
  readonly questions?: Record<string, string>;
  readonly env?: Record<string, unknown>;
  readonly options?: Record<string, unknown>;
  /** --shard I/N: this run's part of the plan (see `joinShards`) */
  readonly shard?: { readonly index: number; readonly count: number; readonly cases: readonly string[] };
}

export interface RunData {
  readonly dir: string;
  /** the folders the run was read from: [dir], or the N shard runs joined into one */
  readonly parts: readonly string[];
  readonly runId: string;
  readonly commit: string;
  readonly dirty: boolean;
  readonly startedAt: string;
  readonly complete: boolean;
  readonly manifest: Manifest | undefined;
  /** suites in the order the run lists them */
  readonly suites: string[];
  readonly rows: Row[];
  /** host, cpu, cores, node, v8, threads, isolation of the first row */
  readonly env: Readonly<Record<string, string>>;
}

/** One worker's timing samples for a row (a worker is one round × replica). */
export interface Worker {
  readonly round: string;
  readonly replica: string;
  readonly values: number[];
}

export function rowKey(r: { suite: string; variant: string; case: string; metric: string }): string {
  return `${r.suite}\u0000${r.variant}\u0000${r.case}\u0000${r.metric}`;
}

const SAMPLES = '.samples.csv';

/** Whether a folder holds a run (at least one finished <suite>.csv). */
export function isRunDir(dir: string): boolean {
  return statSync(dir).isDirectory() && readdirSync(dir).some((f) => f.endsWith('.csv') && !f.endsWith(SAMPLES));
}

interface Table {
  readonly rows: string[][];
  /** column name → index in each row */
  readonly col: (name: string) => number;
}

/** Parses a CSV file (arrays, not objects: a history reads hundreds of them), checking the schema. */
function table(file: string, expected: readonly string[]): Table {
  let rows: string[][];
  try {
    rows = parseCsv(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new BadInput(`${file}: not a readable CSV file (${(e as Error).message})`);
  }
  const header = rows.shift() ?? [];
  const missing = expected.filter((c) => !header.includes(c));
  if (rows.length > 0 && missing.length > 0) {
    throw new BadInput(
      `${file}: not a ${SCHEMA} file: missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`,
    );
  }
  const index = new Map(header.map((c, i) => [c, i]));
  const schema = index.get('schema')!;
  const other = rows.find((r) => r[schema] !== SCHEMA);
  if (other !== undefined) throw new BadInput(`${file}: schema '${other[schema]}'; this report reads '${SCHEMA}'`);
  return { rows, col: (name) => index.get(name)! };
}

function num(s: string | undefined): number | undefined {
  if (s === undefined || s.trim() === '') return undefined;
  const x = Number(s);
  return Number.isFinite(x) ? x : undefined;
}

function readManifest(dir: string): Manifest | undefined {
  const p = join(dir, 'manifest.json');
  if (!existsSync(p)) return undefined;
  try {
    const m = JSON.parse(readFileSync(p, 'utf8')) as unknown;
    return typeof m === 'object' && m !== null && !Array.isArray(m) ? (m as Manifest) : undefined;
  } catch {
    return undefined;
  }
}

/** Reads a run folder's manifest and summaries (not its samples). */
export function readRun(dir: string): RunData {
  if (!existsSync(dir)) throw new BadInput(`${dir}: no such folder`);
  if (!isRunDir(dir)) {
    throw new BadInput(
      `${dir}: no <suite>.csv here; a run folder is what \`npm run bench\` writes (results/<commit12>/)`,
    );
  }
  const manifest = readManifest(dir);
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.csv') && !f.endsWith(SAMPLES))
    .sort();
  const rows: Row[] = [];
  let first: Record<string, string> | undefined;
  for (const f of files) {
    const t = table(join(dir, f), SUMMARY_COLUMNS);
    const [suite, variant, kase, metric, unit, kind, status, n, med, spread, band, detail] = [
      'suite',
      'variant',
      'case',
      'metric',
      'unit',
      'kind',
      'status',
      'n',
      'median',
      'spread_pct',
      'aa_band_pct',
      'detail',
    ].map(t.col) as number[];
    const r0 = t.rows[0];
    if (first === undefined && r0 !== undefined)
      first = Object.fromEntries(SUMMARY_COLUMNS.map((c) => [c, r0[t.col(c)] ?? '']));
    for (const r of t.rows) {
      rows.push({
        suite: r[suite!]!,
        variant: r[variant!]!,
        case: r[kase!]!,
        metric: r[metric!]!,
        unit: r[unit!]!,
        kind: r[kind!]!,
        status: r[status!]!,
        n: num(r[n!]) ?? 0,
        median: num(r[med!]) ?? NaN,
        spreadPct: num(r[spread!]),
        aaBandPct: num(r[band!]),
        detail: r[detail!] ?? '',
      });
    }
  }
  const fromRows = [...new Set(rows.map((r) => r.suite))];
  const listed = (manifest?.suites ?? []).filter((s) => fromRows.includes(s));
  const env: Record<string, string> = {};
  for (const k of ['host', 'cpu', 'cores', 'node', 'v8', 'threads', 'isolation']) env[k] = first?.[k] ?? '';
  return {
    dir,
    parts: [dir],
    runId: manifest?.run_id ?? first?.['run_id'] ?? basename(dir),
    commit: manifest?.commit ?? first?.['commit'] ?? '',
    dirty: manifest?.dirty ?? first?.['dirty'] === 'true',
    startedAt: manifest?.started_at ?? first?.['started_at'] ?? '',
    complete: manifest?.complete !== false,
    manifest,
    suites: [...listed, ...fromRows.filter((s) => !listed.includes(s))],
    rows,
    env,
  };
}

/** The timing samples of one suite of a run, from every folder it was read from. */
export function samplesOf(run: RunData, suite: string): Map<string, Worker[]> {
  if (run.parts.length === 1) return readSamples(run.parts[0]!, suite);
  const out = new Map<string, Worker[]>();
  // shards hold disjoint cases, so their rows never share a key
  for (const dir of run.parts) for (const [k, ws] of readSamples(dir, suite)) out.set(k, ws);
  return out;
}

/** The timing samples of one suite of a run folder, by row key, one entry per worker. */
export function readSamples(dir: string, suite: string): Map<string, Worker[]> {
  const out = new Map<string, Worker[]>();
  const file = join(dir, suite + SAMPLES);
  if (!existsSync(file)) return out;
  const byWorker = new Map<string, Map<string, Worker>>();
  const t = table(file, SAMPLE_COLUMNS);
  const [sc, vc, cc, mc, rc, pc, xc] = ['suite', 'variant', 'case', 'metric', 'round', 'replica', 'value'].map(
    t.col,
  ) as number[];
  for (const s of t.rows) {
    const v = num(s[xc!]);
    if (v === undefined) throw new BadInput(`${file}: sample value '${s[xc!]}' is not a number`);
    const key = rowKey({ suite: s[sc!]!, variant: s[vc!]!, case: s[cc!]!, metric: s[mc!]! });
    let ws = byWorker.get(key);
    if (ws === undefined) byWorker.set(key, (ws = new Map()));
    const id = `${s[rc!]}/${s[pc!]}`;
    let w = ws.get(id);
    if (w === undefined) ws.set(id, (w = { round: s[rc!]!, replica: s[pc!]!, values: [] }));
    w.values.push(v);
  }
  for (const [key, ws] of byWorker) out.set(key, [...ws.values()]);
  return out;
}
