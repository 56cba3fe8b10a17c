// `npm test`: every compiled *.test.js under dist/test, on Node's own runner. Node 20 does not
// expand globs in `node --test` arguments, and handing it the folder would also run the
// helpers and fixtures as if they were tests, so the list is made here.
//
// `*.slow.test.js` files (each builds and runs git worktrees, or is otherwise long) run only
// with `--slow` or HVBENCH_SLOW_TESTS=1; .ci/run sets it, so CI runs every test while
// `npm test` stays under a minute on two cores.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const argv = process.argv.slice(2);
const slow = argv.includes('--slow') || process.env['HVBENCH_SLOW_TESTS'] === '1';
const root = fileURLToPath(new URL('../test/', import.meta.url));
const all = (readdirSync(root, { recursive: true }) as string[]).filter((f) => f.endsWith('.test.js'));
const files = all
  .filter((f) => slow || !f.endsWith('.slow.test.js'))
  .map((f) => join(root, f))
  // the largest files first: two lanes then finish at about the same time
  .sort((a, b) => statSync(b).size - statSync(a).size || a.localeCompare(b));
if (files.length === 0) {
  process.stderr.write(`no compiled tests under ${root}: run \`npm run build\` first\n`);
  process.exit(1);
}
const skipped = all.length - files.length;
if (skipped > 0) process.stdout.write(`# ${skipped} slow test file(s) left out: run with --slow (CI does)\n`);
// Two files at a time, one per core: no test asserts a timing, and the tests that start worker
// pools or real threads bound their work by counts, not by how fast the machine is.
const args = [
  '--test',
  '--test-concurrency=2',
  ...argv.filter((a) => a !== '--slow'),
  ...files.map((f) => relative(process.cwd(), f)),
];
const r = spawnSync(process.execPath, args, { stdio: 'inherit' });
process.exit(r.status ?? 1);
