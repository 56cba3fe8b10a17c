// Measuring a commit that has no results yet: check it out in a temporary `git worktree`,
// install, build and run its own bench there, keep the run under results/<commit12>/ of the
// main checkout (so the next compare finds it), and remove the worktree whatever happens.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { allocateRunDir, runDirName } from '../harness/rundir.js';
import { git } from './git.js';
import { InputError } from '../harness/exit.js';

function sameFile(a: string, b: string): boolean {
  return existsSync(a) && existsSync(b) && readFileSync(a).equals(readFileSync(b));
}

function run(cmd: string, args: readonly string[], cwd: string, what: string): number {
  // the child's stdout goes to our stderr: compare's stdout is the table (or JSON) only
  const r = spawnSync(cmd, args, { cwd, stdio: ['ignore', 2, 2], env: process.env });
  if (r.error) throw new InputError(`${what}: ${r.error.message}`);
  return r.status ?? 1;
}

/** A commit checked out, installed and built in a temporary worktree, ready to run its bench. */
export interface Worktree {
  readonly commit: string;
  /** Runs the bench once into a fresh results/<c12>[.N]/ of the main checkout; returns that folder. */
  run(benchArgs: readonly string[]): string;
  /** Removes the worktree (idempotent). */
  close(): void;
}

/**
 * Checks `commit` out in a temporary worktree of the repository at `root`, installs and builds
 * it. Throws InputError (after removing the worktree) when it cannot be built.
 */
export function openWorktree(root: string, commit: string, log: (line: string) => void): Worktree {
  const c12 = commit.slice(0, 12);
  const tmp = mkdtempSync(join(tmpdir(), `hvbench-${c12}-`));
  const wt = join(tmp, 'wt');
  let open = true;
  const close = () => {
    if (!open) return;
    open = false;
    try {
      git(['worktree', 'remove', '--force', wt], root);
    } catch {
      // a half-created worktree: remove the folder and let git forget it
    }
    rmSync(tmp, { recursive: true, force: true });
    try {
      git(['worktree', 'prune'], root);
    } catch {
      /* nothing left to prune */
    }
  };
  log(`compare: building ${c12} in a temporary worktree ${wt}`);
  try {
    git(['worktree', 'add', '--detach', '--quiet', wt, commit], root);
    install(root, tmp, wt, log);
    build(wt, c12, log);
  } catch (e) {
    close();
    throw e;
  }
  const main = join(wt, 'dist', 'bench', 'main.js');
  return {
    commit,
    close,
    run(benchArgs) {
      // claimed here (atomically), so that a concurrent compare of the same commit gets its own
      const dir = allocateRunDir(join(root, 'results'), runDirName(commit, false));
      const args = [main, '--out', dir, ...benchArgs];
      log(`compare: ${c12}: node dist/bench/main.js ${args.slice(1).join(' ')}`);
      const exitCode = run(process.execPath, args, wt, `bench of ${c12}`);
      const written = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.csv')) : [];
      if (written.length === 0) {
        if (existsSync(dir) && readdirSync(dir).length === 0) rmSync(dir, { recursive: true });
        throw new InputError(`bench of ${c12} exited ${exitCode} and wrote no CSV into ${dir}`);
      }
      if (exitCode !== 0) log(`compare: bench of ${c12} exited ${exitCode} (failed rows are shown as failures)`);
      return dir;
    },
  };
}

/**
 * Dependencies for the worktree. When its lockfile equals the main checkout's, the installed
 * node_modules is reused through a link placed *beside* the worktree (Node and tsc look up
 * parent folders), so the worktree itself stays clean and the bench does not record it dirty.
 */
function install(root: string, tmp: string, wt: string, log: (line: string) => void): void {
  const lock = join(wt, 'package-lock.json');
  const pkgPath = join(wt, 'package.json');
  if (!existsSync(pkgPath)) throw new InputError(`${wt}: the commit has no package.json: not an hvbench commit?`);
  if (existsSync(lock) && sameFile(lock, join(root, 'package-lock.json')) && existsSync(join(root, 'node_modules'))) {
    symlinkSync(join(root, 'node_modules'), join(tmp, 'node_modules'), 'dir');
    return;
  }
  const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as { dependencies?: object; devDependencies?: object };
  const hasDeps = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies }).length > 0;
  if (!hasDeps) return;
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const args = existsSync(lock) ? ['ci', '--no-audit', '--no-fund'] : ['install', '--no-audit', '--no-fund'];
  log(`compare: npm ${args[0]} in the worktree (its lockfile differs from this checkout's)`);
  if (run(npm, args, wt, 'npm') !== 0) throw new InputError(`npm ${args[0]} failed in the worktree of ${wt}`);
}

/** tsc emits even with type errors; a commit counts as built when its bench entry exists. */
function build(wt: string, c12: string, log: (line: string) => void): void {
  if (!existsSync(join(wt, 'tsconfig.json'))) return;
  let tsc: string;
  try {
    // the commit's own TypeScript (or the linked node_modules beside the worktree)
    tsc = createRequire(join(wt, 'package.json')).resolve('typescript/bin/tsc');
  } catch {
    tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  }
  const status = run(process.execPath, [tsc, '-p', 'tsconfig.json'], wt, `tsc for ${c12}`);
  if (!existsSync(join(wt, 'dist', 'bench', 'main.js'))) {
    throw new InputError(`build of ${c12} failed (tsc exited ${status}) and produced no dist/bench/main.js`);
  }
  if (status !== 0) log(`compare: tsc reported errors for ${c12}; running what it emitted`);
}
