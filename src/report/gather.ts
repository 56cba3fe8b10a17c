// What the report's arguments name: a run folder, a folder of run folders (results/, or runs
// made by hand), or a git ref, which stands for every stored run of its commit
// (results/<commit12>[.N]/). With no argument: every run in the checkout's results/.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { repoRoot, resolveCommit } from '../compare/git.js';
import { BadInput } from './errors.js';
import { isRunDir, readRun, type RunData } from './read.js';
import { joinShards } from './shards.js';

export interface Gathered {
  readonly runs: RunData[];
  /** the git checkout the history is ordered by, if any */
  readonly root: string | undefined;
  readonly notes: string[];
}

/** Run folders at most two levels under dir (a folder of runs, or a folder of such folders). */
function runDirsUnder(dir: string, depth = 2): string[] {
  if (isRunDir(dir)) return [dir];
  if (depth === 0) return [];
  return readdirSync(dir)
    .sort()
    .map((f) => join(dir, f))
    .filter((d) => statSync(d).isDirectory())
    .flatMap((d) => runDirsUnder(d, depth - 1));
}

function storedRunDirs(root: string, commit: string): string[] {
  const results = join(root, 'results');
  if (!existsSync(results)) return [];
  const pattern = new RegExp(`^${commit.slice(0, 12)}(-dirty)?(\\.\\d+)?$`);
  return readdirSync(results)
    .filter((f) => pattern.test(f))
    .map((f) => join(results, f))
    .filter((d) => isRunDir(d));
}

function dirsOf(spec: string, cwd: string, root: string | undefined): string[] {
  const path = resolve(cwd, spec);
  if (existsSync(path)) {
    if (!statSync(path).isDirectory()) {
      throw new BadInput(`${spec}: a file; name the run folder that holds it (results/<commit12>/), not one CSV`);
    }
    const dirs = runDirsUnder(path);
    if (dirs.length === 0) {
      throw new BadInput(
        `${spec}: no run here: a run folder holds <suite>.csv files as \`npm run bench\` writes them (results/<commit12>/), a folder of runs holds such folders`,
      );
    }
    return dirs;
  }
  if (root === undefined)
    throw new BadInput(`${spec}: no such folder (and ${cwd} is not in a git checkout, so not a ref)`);
  const commit = resolveCommit(spec, root);
  if (commit === undefined) {
    throw new BadInput(`${spec}: no such folder, and git knows no commit by that name; give a run folder or a ref`);
  }
  const dirs = storedRunDirs(root, commit);
  if (dirs.length === 0) {
    throw new BadInput(
      `${spec} (${commit.slice(0, 12)}): no stored run in results/${commit.slice(0, 12)}*/; run \`npm run bench\` at that commit first`,
    );
  }
  return dirs;
}

export function gather(specs: readonly string[], cwd: string): Gathered {
  const root = repoRoot(cwd);
  const notes: string[] = [];
  let dirs: string[];
  if (specs.length === 0) {
    const results = join(root ?? cwd, 'results');
    dirs = existsSync(results) ? runDirsUnder(results) : [];
    if (dirs.length === 0) {
      throw new BadInput(`${results}: no stored run; run \`npm run bench\` first, or name a run folder or a ref`);
    }
  } else {
    dirs = specs.flatMap((s) => dirsOf(s, cwd, root));
  }
  const seen = new Set<string>();
  const runs: RunData[] = [];
  for (const d of dirs) {
    const abs = resolve(d);
    if (seen.has(abs)) continue;
    seen.add(abs);
    const run = readRun(abs);
    if (!run.complete) {
      notes.push(`${d}: skipped: its manifest says the run did not complete`);
      continue;
    }
    runs.push(run);
  }
  if (runs.length === 0) throw new BadInput(`no complete run among ${dirs.join(', ')}`);
  return { runs: joinShards(runs), root, notes };
}

/** The newest run (by its start time; the folder name breaks ties). */
export function latest(runs: readonly RunData[]): RunData {
  return [...runs]
    .sort((a, b) => (a.startedAt === b.startedAt ? (a.dir < b.dir ? -1 : 1) : a.startedAt < b.startedAt ? -1 : 1))
    .at(-1)!;
}
