// A run executes an immutable copy of what was built. `npm run build` (which `npm test` and
// `npm run bench` both do) starts with `rm -rf dist`: a run reading its workers and suites
// from dist/ would then see tasks fail and die with ERR_MODULE_NOT_FOUND halfway. So the
// entry point copies the compiled src/ and bench/ once, at start, into a private folder,
// and runs from there; the folder is removed when the process exits (and a folder left by a
// killed run is removed by the next one).
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Where snapshots live: inside node_modules, so that the copy still finds its dependencies. */
export function snapshotRoot(checkout: string): string {
  return join(checkout, 'node_modules', '.cache', 'hvbench-runs');
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Copies `dist`'s src/ and bench/ into a fresh snapshot folder and returns it; removes the
 * snapshots of processes that no longer exist.
 */
export function takeSnapshot(dist: string, checkout: string): string {
  const root = snapshotRoot(checkout);
  mkdirSync(root, { recursive: true });
  for (const name of readdirSync(root)) {
    const pid = Number(name.split('-')[0]);
    if (Number.isInteger(pid) && pid !== process.pid && !alive(pid))
      rmSync(join(root, name), { recursive: true, force: true });
  }
  const dir = join(root, `${process.pid}-${Date.now().toString(36)}`);
  for (const top of ['src', 'bench']) {
    if (existsSync(join(dist, top))) cpSync(join(dist, top), join(dir, top), { recursive: true });
  }
  // inside node_modules no package.json above says "type": "module": say it here
  writeFileSync(join(dir, 'package.json'), '{"type":"module","private":true}\n');
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
