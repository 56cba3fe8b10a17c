// Where and on what a run happened. Every row carries this, because a timing means nothing
// without the machine, runtime and commit that produced it (harness.md §5.7).
import { execFileSync } from 'node:child_process';
import os from 'node:os';

export interface RunEnv {
  readonly commit: string;
  readonly dirty: boolean;
  readonly host: string;
  readonly cpu: string;
  readonly cores: number;
  readonly node: string;
  readonly v8: string;
}

function git(args: string[], cwd: string): string | null {
  try {
    return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

export function captureEnv(cwd: string = process.cwd()): RunEnv {
  const commit = git(['rev-parse', 'HEAD'], cwd) ?? 'nogit';
  // Untracked files do not make a run dirty: results/ and scratch files are not the code.
  const status = git(['status', '--porcelain', '--untracked-files=no'], cwd);
  const cpus = os.cpus();
  return {
    commit,
    dirty: status !== null && status.length > 0,
    host: os.hostname(),
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: typeof os.availableParallelism === 'function' ? os.availableParallelism() : cpus.length,
    node: process.version,
    v8: process.versions.v8,
  };
}

/** The short commit used to name run folders: 12 hex digits, as git shows them. */
export function shortCommit(commit: string): string {
  return commit === 'nogit' ? commit : commit.slice(0, 12);
}
