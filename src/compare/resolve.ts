// What a side of the comparison names: a results folder, a suite CSV, or a git ref. A ref is
// looked up among the stored runs (results/<commit12>[.N]/); failing that, it is measured in a
// temporary worktree unless --no-run says not to.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, resolve as resolvePath } from 'node:path';
import { InputError } from './errors.js';
import { repoRoot, resolveCommit } from './git.js';
import { readRun, type Manifest, type Run } from './read.js';
import { runInWorktree } from './worktree.js';

/** A ref with no stored run while running is forbidden (distinguished so main can retry later). */
export class NotStoredError extends InputError {}

export interface ResolveOptions {
  readonly cwd: string;
  /** forbid building and running a commit that has no stored run */
  readonly noRun: boolean;
  /** bench options for a run in a worktree (never --out) */
  readonly benchArgs: readonly string[];
  /** run folders already taken by the other side: an A/A compare needs two different runs */
  readonly exclude?: ReadonlySet<string>;
  readonly log: (line: string) => void;
}

/** Complete, clean runs of a commit, oldest first. A -dirty run measured other code: skipped. */
export function storedRuns(root: string, commit: string): string[] {
  const results = join(root, 'results');
  if (!existsSync(results)) return [];
  const c12 = commit.slice(0, 12);
  const pattern = new RegExp(`^${c12}(\\.\\d+)?$`);
  const runs: { dir: string; at: string; n: number }[] = [];
  for (const name of readdirSync(results)) {
    if (!pattern.test(name)) continue;
    const dir = join(results, name);
    if (!statSync(dir).isDirectory()) continue;
    if (!readdirSync(dir).some((f) => f.endsWith('.csv') && !f.endsWith('.samples.csv'))) continue;
    let m: Manifest = {};
    try {
      m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest;
    } catch {
      // no manifest: the CSVs alone are a run (perhaps one committed by hand as a baseline)
    }
    // an interrupted run, or one whose tree had uncommitted changes, is not this commit's
    if (m.complete === false || m.dirty === true) continue;
    runs.push({ dir, at: m.started_at ?? '', n: Number(name.split('.')[1] ?? 1) });
  }
  runs.sort((a, b) => (a.at === b.at ? a.n - b.n : a.at < b.at ? -1 : 1));
  return runs.map((r) => r.dir);
}

export function resolveSide(spec: string, opts: ResolveOptions): Run {
  const asPath = resolvePath(opts.cwd, spec);
  if (existsSync(asPath)) return readRun(asPath);
  const root = repoRoot(opts.cwd);
  if (root === undefined) {
    throw new InputError(`${spec}: no such file or folder (and ${opts.cwd} is not in a git repository, so not a ref either)`);
  }
  const commit = resolveCommit(spec, root);
  if (commit === undefined) throw new InputError(`${spec}: no such file or folder, and git knows no commit by that name`);
  const c12 = commit.slice(0, 12);
  const label = spec === c12 || commit.startsWith(spec) ? c12 : `${spec} (${c12})`;
  const runs = storedRuns(root, commit).filter((d) => !opts.exclude?.has(d));
  const newest = runs[runs.length - 1];
  if (newest !== undefined) {
    opts.log(`compare: ${spec} → ${rel(root, newest)}`);
    return readRun(newest, label);
  }
  if (opts.noRun) {
    const other = opts.exclude !== undefined && opts.exclude.size > 0 ? ' other than the one already used' : '';
    throw new NotStoredError(`${spec} (${c12}): no stored run in results/${c12}*/${other}, and --no-run forbids measuring it`);
  }
  const { dir } = runInWorktree(root, commit, opts.benchArgs, opts.log);
  opts.log(`compare: ${spec} → ${rel(root, dir)} (kept for the next compare)`);
  return readRun(dir, label);
}

function rel(root: string, dir: string): string {
  return dir.startsWith(root + '/') ? dir.slice(root.length + 1) : dir;
}
