// Capturing where and on what a run happens. Every row carries this, because a timing means
// nothing without the machine, runtime and commit that produced it (README, "Output").
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import type { RunEnv } from './rundir.js';

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
