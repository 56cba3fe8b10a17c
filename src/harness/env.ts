// Capturing where and on what a run happens. Every row carries this, because a timing means
// nothing without the machine, runtime and commit that produced it (README, "Output").
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
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
    node_flags: [...process.execArgv, process.env['NODE_OPTIONS'] ?? ''].join(' ').trim(),
    code_sha: codeSha(),
  };
}

/**
 * A hash of the compiled code a run executes (every .js under the build's src/ and bench/):
 * dist/ is ignored by git, so an edit there would otherwise leave no trace in the record.
 */
export function codeSha(root: string = fileURLToPath(new URL('../../', import.meta.url))): string {
  const h = createHash('sha256');
  for (const top of ['src', 'bench']) {
    let files: string[];
    try {
      files = (readdirSync(join(root, top), { recursive: true }) as string[]).filter((f) => f.endsWith('.js')).sort();
    } catch {
      continue;
    }
    for (const f of files) h.update(`${top}/${f}\0`).update(readFileSync(join(root, top, f)));
  }
  return h.digest('hex').slice(0, 16);
}
