// What a side of the comparison names: a results folder, a suite CSV, or a git ref. A ref
// stands for every stored run of its commit (results/<commit12>[.N]/, pooled: their workers add
// up). A ref with no stored run is measured in a temporary worktree unless --no-run; when both
// sides are measured, their bench runs alternate (base, head, base, head, ...) so that a drift
// of the machine during the comparison hits both sides alike (asv's interleaved rounds).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve as resolvePath } from 'node:path';
import { InputError } from '../harness/exit.js';
import { repoRoot, resolveCommit } from './git.js';
import { lockedBy, type Manifest, parseRunDirName, readManifest, shortCommit } from '../harness/rundir.js';
import { checkShards, measurementOf, poolFolder, poolRef } from './pool.js';
import { mergeRuns, readRun, type Run } from './read.js';
import { openWorktree, type Worktree } from './worktree.js';

/** A ref with no stored run while running is forbidden. */
export class NotStoredError extends InputError {}

/**
 * Bench options when compare measures both sides itself and the user gave none: one round with
 * its A/A replica per run, repeated --interleave times per side (5 → 10 workers per variant and
 * case: the rank test's unit; the bench's default 3 rounds cannot reach significance).
 */
export const DEFAULT_CHUNK_ARGS: readonly string[] = ['--rounds', '1', '--aa'];
/** Bench options when only one side is measured and the other side's run does not say. */
export const DEFAULT_SINGLE_ARGS: readonly string[] = ['--rounds', '5', '--aa'];

export interface ResolveOptions {
  readonly cwd: string;
  /** forbid building and running a commit that has no stored run */
  readonly noRun: boolean;
  /** bench options given after `--` (never --out), or undefined for the defaults */
  readonly benchArgs: readonly string[] | undefined;
  /** bench runs per side when both sides are measured now */
  readonly interleave: number;
  readonly log: (line: string) => void;
  /** compare got SIGINT or SIGTERM: stop children, remove worktrees, report interrupted */
  readonly stop?: AbortSignal;
}

type Located =
  | { readonly kind: 'path'; readonly spec: string; readonly run: Run }
  | {
      readonly kind: 'ref';
      readonly spec: string;
      readonly root: string;
      readonly commit: string;
      readonly label: string;
    };

/** A folder of run folders (e.g. runs made by hand, one per machine slot): pooled. */
function runsIn(dir: string): string[] {
  if (!statSync(dir).isDirectory() || readdirSync(dir).some((f) => f.endsWith('.csv'))) return [];
  return readdirSync(dir)
    .sort()
    .map((f) => join(dir, f))
    .filter(
      (d) => statSync(d).isDirectory() && readdirSync(d).some((f) => f.endsWith('.csv') && !f.endsWith('.samples.csv')),
    );
}

function pooledFolder(sub: readonly string[], spec: string): Run {
  const runs = poolFolder(
    sub.map((d) => readRun(d)),
    spec,
  );
  const sharded = checkShards(runs, spec);
  const run = mergeRuns(runs, spec, `${runs.length} ${sharded ? 'shards' : 'runs'}`);
  const what = sharded ? `joined ${runs.length} shards as one run` : `pooled ${runs.length} runs`;
  return { ...run, notes: [...run.notes, `${spec}: ${what}: ${sub.join(', ')}`] };
}

function locate(spec: string, cwd: string): Located {
  const asPath = resolvePath(cwd, spec);
  if (existsSync(asPath)) {
    const sub = runsIn(asPath);
    if (sub.length > 0)
      return {
        kind: 'path',
        spec,
        run: pooledFolder(sub, spec),
      };
    return { kind: 'path', spec, run: readRun(asPath) };
  }
  const root = repoRoot(cwd);
  if (root === undefined) {
    throw new InputError(
      `${spec}: no such file or folder (and ${cwd} is not in a git repository, so not a ref either)`,
    );
  }
  const commit = resolveCommit(spec, root);
  if (commit === undefined)
    throw new InputError(`${spec}: no such file or folder, and git knows no commit by that name`);
  const c12 = commit.slice(0, 12);
  return { kind: 'ref', spec, root, commit, label: spec === c12 || commit.startsWith(spec) ? c12 : `${spec} (${c12})` };
}

/** Complete, clean runs of a commit, oldest first. */
export function storedRuns(root: string, commit: string): string[] {
  const results = join(root, 'results');
  if (!existsSync(results)) return [];
  const c12 = shortCommit(commit);
  const runs: { dir: string; at: string; n: number }[] = [];
  for (const name of readdirSync(results)) {
    const named = parseRunDirName(name);
    if (named === undefined || named.commit12 !== c12 || named.dirty) continue;
    const dir = join(results, name);
    if (!statSync(dir).isDirectory()) continue;
    if (!readdirSync(dir).some((f) => f.endsWith('.csv') && !f.endsWith('.samples.csv'))) continue;
    let m: Manifest = {};
    try {
      m = readManifest(dir) ?? {};
    } catch {
      // an unreadable manifest: the CSVs alone are a run (perhaps one committed by hand as a baseline)
    }
    // an interrupted run, or one whose tree had uncommitted changes, is not this commit's
    if (m.complete === false || m.dirty === true) continue;
    runs.push({ dir, at: m.started_at ?? '', n: named.n });
  }
  runs.sort((a, b) => (a.at === b.at ? a.n - b.n : a.at < b.at ? -1 : 1));
  return runs.map((r) => r.dir);
}

/** Options of a run that say where or which part it wrote, not how it measured. */
const NOT_MEASUREMENT = ['--out', '--shard'];

/** The bench options a run was made with, minus where it was written and which shard it was. */
export function argvOf(run: Run): string[] | undefined {
  const a = run.manifest?.argv;
  if (!Array.isArray(a)) return undefined;
  const out: string[] = [];
  for (let i = 0; i < a.length; i++) {
    const arg = String(a[i]);
    if (NOT_MEASUREMENT.includes(arg)) i++;
    else if (!NOT_MEASUREMENT.some((o) => arg.startsWith(`${o}=`))) out.push(arg);
  }
  return out;
}

function rel(root: string, dir: string): string {
  return dir.startsWith(root + '/') ? dir.slice(root.length + 1) : dir;
}

function describe(root: string, dirs: readonly string[]): string {
  return dirs.length === 1
    ? rel(root, dirs[0]!)
    : `${rel(root, dirs[0]!)} +${dirs.length - 1} more run${dirs.length > 2 ? 's' : ''}`;
}

/** Reads stored runs, leaving out (with the reason) any that cannot be read. */
function readStored(dirs: readonly string[], label: string, leftOut: string[]): Run[] {
  const out: Run[] = [];
  for (const d of dirs) {
    const writer = lockedBy(d);
    if (writer !== undefined) {
      leftOut.push(`${d}: still being written, or its writer died (${writer})`);
      continue;
    }
    try {
      out.push(readRun(d, label));
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      leftOut.push(`${d}: unreadable (${e.message})`);
    }
  }
  return out;
}

/** Resolves every side (one for --variants, two for BASE HEAD) to a run, measuring what must be. */
export async function resolveSides(specs: readonly string[], opts: ResolveOptions): Promise<Run[]> {
  const loc = specs.map((s) => locate(s, opts.cwd));
  const leftOut: string[][] = loc.map(() => []);
  const pathRun = loc.find((l) => l.kind === 'path');
  const prefer = pathRun?.kind === 'path' ? measurementOf(pathRun.run.manifest) : undefined;
  const dirs: string[][] = loc.map((l, i) => {
    if (l.kind !== 'ref') return [];
    const pooled = poolRef(readStored(storedRuns(l.root, l.commit), l.label, leftOut[i]!), l.commit, prefer);
    leftOut[i]!.push(...pooled.leftOut);
    return pooled.runs.map((r) => r.source);
  });
  const [a, b] = loc;
  const sameCommit = a?.kind === 'ref' && b?.kind === 'ref' && a.commit === b.commit;
  if (sameCommit) {
    // an A/A comparison: the commit's runs are shared out alternately, as they were measured
    const all = dirs[0]!;
    dirs[0] = all.filter((_, i) => i % 2 === 0);
    dirs[1] = all.filter((_, i) => i % 2 === 1);
    leftOut[1] = [];
  }
  const need = loc.map((l, i) => (l.kind === 'ref' && dirs[i]!.length === 0 ? i : -1)).filter((i) => i >= 0);
  if (need.length > 0 && opts.noRun) {
    const i = need[0]!;
    const l = loc[i] as Extract<Located, { kind: 'ref' }>;
    const c12 = l.commit.slice(0, 12);
    const more = sameCommit ? ' (an A/A comparison needs two)' : '';
    const why = leftOut[i]!.length > 0 ? `; left out: ${leftOut[i]!.join('; ')}` : '';
    throw new NotStoredError(
      `${l.spec} (${c12}): no stored run in results/${c12}*/${more}, and --no-run forbids measuring it${why}`,
    );
  }
  if (need.length > 0) {
    // a side measured now uses the options of the other side's run, so both are measured alike
    const other = loc.findIndex((_, i) => !need.includes(i));
    const o = loc[other];
    const knownArgv =
      o === undefined ? undefined : o.kind === 'path' ? argvOf(o.run) : argvOf(readRun(dirs[other]![0]!));
    await benchRefs(loc, need, dirs, knownArgv, opts);
  }
  return loc.map((l, i) => {
    if (l.kind === 'path') return l.run;
    const d = dirs[i]!;
    opts.log(`compare: ${l.spec} → ${describe(l.root, d)}`);
    const run = mergeRuns(
      d.map((dir) => readRun(dir, l.label)),
      l.label,
      describe(l.root, d),
    );
    const notes = [...run.notes];
    if (d.length > 1) notes.push(`${l.spec}: pooled ${d.length} runs: ${d.map((x) => rel(l.root, x)).join(', ')}`);
    for (const x of leftOut[i]!) notes.push(`${l.spec}: left out ${x.startsWith(l.root) ? rel(l.root, x) : x}`);
    return { ...run, notes };
  });
}

/** Builds each needed commit once, then runs the benches, alternating between the sides. */
async function benchRefs(
  loc: readonly Located[],
  need: readonly number[],
  dirs: string[][],
  knownArgv: string[] | undefined,
  opts: ResolveOptions,
): Promise<void> {
  const both = need.length === loc.length && loc.length === 2;
  const args = opts.benchArgs ?? (both ? DEFAULT_CHUNK_ARGS : (knownArgv ?? DEFAULT_SINGLE_ARGS));
  const runs = both ? opts.interleave : 1;
  const trees = new Map<string, Worktree>();
  try {
    for (const i of need) {
      const l = loc[i] as Extract<Located, { kind: 'ref' }>;
      if (!trees.has(l.commit)) trees.set(l.commit, await openWorktree(l.root, l.commit, opts.log, opts.stop));
    }
    const sides = need.map((i) => {
      const l = loc[i] as Extract<Located, { kind: 'ref' }>;
      return { spec: l.spec, tree: trees.get(l.commit)! };
    });
    (await alternate(sides, runs, args, opts.log, opts.stop)).forEach((made, j) => dirs[need[j]!]!.push(...made));
  } finally {
    for (const t of trees.values()) t.close();
  }
}

/** Runs each side's bench `runs` times, alternating (base, head, base, …); the folders per side. */
export async function alternate(
  sides: readonly { readonly spec: string; readonly tree: Worktree }[],
  runs: number,
  args: readonly string[],
  log: (line: string) => void,
  stop?: AbortSignal,
): Promise<string[][]> {
  const out: string[][] = sides.map(() => []);
  for (let r = 0; r < runs && !stop?.aborted; r++) {
    for (const [j, s] of sides.entries()) {
      if (runs > 1) log(`compare: ${s.spec}: run ${r + 1} of ${runs}`);
      out[j]!.push(await s.tree.run(args));
    }
  }
  return out;
}
