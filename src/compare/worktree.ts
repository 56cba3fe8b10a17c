// Measuring a commit that has no results yet: check it out in a temporary `git worktree`,
// install, build and run its own bench there, keep the run under results/<commit12>/ of the
// main checkout (so the next compare finds it), and remove the worktree whatever happens.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { allocateRunDir, releaseRunDir, runDirName } from '../harness/rundir.js';
import { git } from './git.js';
import { InputError, Interrupted } from '../harness/exit.js';

function sameFile(a: string, b: string): boolean {
  return existsSync(a) && existsSync(b) && readFileSync(a).equals(readFileSync(b));
}

/**
 * Runs a child to its end. On `stop` (compare got SIGINT or SIGTERM) the child is sent
 * SIGTERM and waited for (a bench then ends its run honestly, marked interrupted), and the
 * caller gets an Interrupted error, so that every worktree is removed on the way out.
 */
async function run(
  cmd: string,
  args: readonly string[],
  cwd: string,
  what: string,
  stop?: AbortSignal,
): Promise<number> {
  if (stop?.aborted) throw new Interrupted(`${what}: not started, compare was interrupted`);
  // the child's stdout goes to our stderr: compare's stdout is the table (or JSON) only
  const child = spawn(cmd, args, { cwd, stdio: ['ignore', 2, 2], env: process.env });
  const onStop = () => child.kill('SIGTERM');
  stop?.addEventListener('abort', onStop, { once: true });
  try {
    const code = await new Promise<number>((res, rej) => {
      child.on('error', (e) => rej(new InputError(`${what}: ${e.message}`)));
      child.on('exit', (c, sig) => res(c ?? (sig ? 128 : 1)));
    });
    if (stop?.aborted) throw new Interrupted(`${what}: interrupted (it exited ${code})`);
    return code;
  } finally {
    stop?.removeEventListener('abort', onStop);
  }
}

/** A commit checked out, installed and built in a temporary worktree, ready to run its bench. */
export interface Worktree {
  readonly commit: string;
  /** Runs the bench once into a fresh results/<c12>[.N]/ of the main checkout; resolves to that folder. */
  run(benchArgs: readonly string[]): Promise<string>;
  /** Removes the worktree (idempotent). */
  close(): void;
}

/**
 * Checks `commit` out in a temporary worktree of the repository at `root`, installs and builds
 * it. Throws InputError (after removing the worktree) when it cannot be built.
 */
export async function openWorktree(
  root: string,
  commit: string,
  log: (line: string) => void,
  stop?: AbortSignal,
): Promise<Worktree> {
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
    await install(root, tmp, wt, log, stop);
    await build(wt, c12, log, stop);
  } catch (e) {
    close();
    throw e;
  }
  const main = join(wt, 'dist', 'bench', 'main.js');
  return {
    commit,
    close,
    async run(benchArgs) {
      // claimed here (atomically), so that a concurrent compare of the same commit gets its own
      const dir = allocateRunDir(join(root, 'results'), runDirName(commit, false));
      // the folder is ours (mkdir is the claim); the bench takes its lock itself with --out
      releaseRunDir(dir);
      const args = [main, '--out', dir, ...benchArgs];
      log(`compare: ${c12}: node dist/bench/main.js ${args.slice(1).join(' ')}`);
      const exitCode = await run(process.execPath, args, wt, `bench of ${c12}`, stop);
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
async function install(
  root: string,
  tmp: string,
  wt: string,
  log: (line: string) => void,
  stop?: AbortSignal,
): Promise<void> {
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
  if ((await run(npm, args, wt, 'npm', stop)) !== 0)
    throw new InputError(`npm ${args[0]} failed in the worktree of ${wt}`);
}

/** tsc emits even with type errors; a commit counts as built when its bench entry exists. */
async function build(wt: string, c12: string, log: (line: string) => void, stop?: AbortSignal): Promise<void> {
  if (!existsSync(join(wt, 'tsconfig.json'))) return;
  let tsc: string;
  try {
    // the commit's own TypeScript (or the linked node_modules beside the worktree)
    tsc = createRequire(join(wt, 'package.json')).resolve('typescript/bin/tsc');
  } catch {
    tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  }
  const status = await run(process.execPath, [tsc, '-p', 'tsconfig.json'], wt, `tsc for ${c12}`, stop);
  if (!existsSync(join(wt, 'dist', 'bench', 'main.js'))) {
    throw new InputError(`build of ${c12} failed (tsc exited ${status}) and produced no dist/bench/main.js`);
  }
  if (status !== 0) log(`compare: tsc reported errors for ${c12}; running what it emitted`);
}
