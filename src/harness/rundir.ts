// A run on disk: the one module that both the bench (which writes runs) and compare (which
// reads them, and makes new ones in a worktree) use for what a run folder is called, what its
// manifest holds, which environment fields make two runs comparable, and the A/A band rule.
// A run folder is `<commit12>[-dirty][.N]`: a second run of the same commit never reuses the
// first one's folder, it gets `.2`, `.3`, ….
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { quantile } from './summary.js';

/** Where and on what a run happened: every row carries it (README, "Output"). */
export interface RunEnv {
  readonly commit: string;
  readonly dirty: boolean;
  readonly host: string;
  readonly cpu: string;
  readonly cores: number;
  readonly node: string;
  readonly v8: string;
}

/**
 * The row columns that make two runs' timings comparable: a different machine, runtime,
 * parallelism or isolation mode changes timings without any change of code.
 */
export const ENV_FIELDS = ['host', 'cpu', 'cores', 'node', 'v8', 'threads', 'isolation'] as const;
export type EnvField = (typeof ENV_FIELDS)[number];

/** The short commit used to name run folders: 12 hex digits, as git shows them. */
export function shortCommit(commit: string): string {
  return commit === 'nogit' ? commit : commit.slice(0, 12);
}

/** The folder name of a run of `commit` (before any `.N` suffix). */
export function runDirName(commit: string, dirty: boolean): string {
  return `${shortCommit(commit)}${dirty ? '-dirty' : ''}`;
}

/** Parses a run folder name: its short commit, whether it was dirty, its `.N` (1 for none). */
export function parseRunDirName(name: string): { commit12: string; dirty: boolean; n: number } | undefined {
  const m = /^([0-9a-f]{12}|nogit)(-dirty)?(?:\.(\d+))?$/.exec(name);
  if (!m) return undefined;
  return { commit12: m[1]!, dirty: m[2] !== undefined, n: m[3] === undefined ? 1 : Number(m[3]) };
}

/**
 * Claims a fresh run folder under `resultsRoot`: `name`, else `name.2`, `name.3`, …. mkdir is
 * the claim: it fails if the folder exists, so two processes racing for the same name (two
 * benches, two compares measuring one commit) never share a folder.
 */
export function allocateRunDir(resultsRoot: string, name: string): string {
  mkdirSync(resultsRoot, { recursive: true });
  for (let n = 1; ; n++) {
    const dir = join(resultsRoot, n === 1 ? name : `${name}.${n}`);
    try {
      mkdirSync(dir);
      return dir;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
}

/** Whether a folder holds (or held, or is writing) a run. */
export function holdsRun(dir: string): boolean {
  return (
    existsSync(dir) &&
    readdirSync(dir).some((f) => f.endsWith('.csv') || f.endsWith('.partial') || f === MANIFEST || f === LOCK)
  );
}

/** --out DIR: created if missing; refused if it already holds a run. */
export function claimOutDir(dir: string): string {
  if (holdsRun(dir)) {
    throw new Error(`--out ${dir} already holds a run; results are never overwritten: choose another folder`);
  }
  mkdirSync(dir, { recursive: true });
  return dir;
}

export const MANIFEST = 'manifest.json';
export const LOCK = '.lock';

/** What manifest.json says about a run. Written by the bench, read by compare. */
export interface Manifest {
  readonly schema?: string;
  readonly run_id?: string;
  readonly commit?: string;
  readonly dirty?: boolean;
  readonly started_at?: string;
  readonly finished_at?: string;
  readonly complete?: boolean;
  readonly interrupted?: boolean;
  readonly argv?: readonly string[];
  readonly env?: RunEnv;
  readonly options?: Readonly<Record<string, unknown>>;
  readonly suites?: readonly string[];
  /** suite → its baseline variant */
  readonly baselines?: Readonly<Record<string, string>>;
  /** suite → the metric its end table shows */
  readonly primary_metrics?: Readonly<Record<string, string>>;
  readonly failures?: number;
}

/** Writes manifest.json through a temporary file and a rename: a reader never sees half of it. */
export function writeManifest(dir: string, manifest: Manifest): void {
  const tmp = join(dir, `${MANIFEST}.partial`);
  writeFileSync(tmp, JSON.stringify(manifest, null, 2) + '\n');
  renameSync(tmp, join(dir, MANIFEST));
}

/** The manifest of a run folder; undefined when there is none; throws naming what is wrong. */
export function readManifest(dir: string): Manifest | undefined {
  const p = join(dir, MANIFEST);
  if (!existsSync(p)) return undefined;
  const m = JSON.parse(readFileSync(p, 'utf8')) as unknown;
  if (typeof m !== 'object' || m === null || Array.isArray(m)) throw new Error('not a JSON object');
  return m as Manifest;
}

/**
 * The A/A noise band of one timing, in percent: the median of replica 0's per-worker medians
 * and that of replica 1's (the same code, measured in separate workers), apart, relative to
 * the median of all worker medians. Worker medians, not pooled samples: a worker caught in a
 * slow spell of the machine moves a pooled median a long way, and the band would then hide
 * every real change. Undefined unless exactly two replicas were measured.
 */
export function aaBandPct(workers: readonly { readonly replica: string | number; readonly median: number }[]) {
  const by = new Map<string, number[]>();
  for (const w of workers) {
    const k = String(w.replica);
    let v = by.get(k);
    if (v === undefined) by.set(k, (v = []));
    v.push(w.median);
  }
  if (by.size !== 2) return undefined;
  const [a, b] = [...by.values()].map(median);
  return (Math.abs(a! - b!) / median(workers.map((w) => w.median))) * 100;
}

function median(xs: readonly number[]): number {
  return quantile(
    [...xs].sort((p, q) => p - q),
    0.5,
  );
}
