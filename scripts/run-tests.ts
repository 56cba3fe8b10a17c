// `npm test`: every compiled *.test.js under dist/test, on Node's own runner. Node 20 does not
// expand globs in `node --test` arguments, and handing it the folder would also run the
// helpers and fixtures as if they were tests, so the list is made here.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../test/', import.meta.url));
const files = (readdirSync(root, { recursive: true }) as string[])
  .filter((f) => f.endsWith('.test.js'))
  .map((f) => join(root, f))
  .sort();
if (files.length === 0) {
  process.stderr.write(`no compiled tests under ${root}: run \`npm run build\` first\n`);
  process.exit(1);
}
// One file at a time: several tests start worker pools, and two cores are all we have.
const args = [
  '--test',
  '--test-concurrency=1',
  ...process.argv.slice(2),
  ...files.map((f) => relative(process.cwd(), f)),
];
const r = spawnSync(process.execPath, args, { stdio: 'inherit' });
process.exit(r.status ?? 1);
