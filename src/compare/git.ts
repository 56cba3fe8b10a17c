// Git, called without a shell: refs are arguments to execFileSync, never interpolated into a
// command line, so a ref named `; rm -rf ~` is just a ref that does not exist.
import { execFileSync } from 'node:child_process';

/** Runs git and returns its trimmed stdout; throws on a non-zero exit. */
export function git(args: readonly string[], cwd: string): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

function tryGit(args: readonly string[], cwd: string): string | undefined {
  try {
    return git(args, cwd);
  } catch {
    return undefined;
  }
}

/** The top folder of the checkout that cwd is in, or undefined outside a repository. */
export function repoRoot(cwd: string): string | undefined {
  return tryGit(['rev-parse', '--show-toplevel'], cwd);
}

/** The full commit id a ref names, or undefined when it names no commit. */
export function resolveCommit(ref: string, cwd: string): string | undefined {
  // a leading '-' would be read as an option by older gits despite --end-of-options
  if (ref === '' || ref.startsWith('-')) return undefined;
  return tryGit(['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`], cwd);
}
