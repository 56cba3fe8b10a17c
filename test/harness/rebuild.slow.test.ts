// A rebuild during a run (`npm run build` starts with rm -rf dist) must not pull the code
// from under a bench that is running: the workers load what the run started with. A slow test
// (it copies dist and runs a real evtchn case in its own process): CI runs it, `npm test
// -- --slow` does here.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { readCsv, tempDir } from './helpers.js';

const MAIN = fileURLToPath(new URL('../../bench/main.js', import.meta.url));

test('a rebuild during a run (rm -rf dist) does not pull the code from under it: the run completes', async () => {
  const dist = dirname(dirname(MAIN));
  const copy = join(dirname(dist), `.test-dist-${process.pid}`);
  cpSync(dist, copy, { recursive: true });
  writeFileSync(join(copy, 'package.json'), '{"type":"module"}\n');
  const out = join(tempDir(), 'run');
  const child = spawn(
    process.execPath,
    [
      join(copy, 'bench', 'main.js'),
      '--suite',
      'evtchn',
      '--case',
      'ports=1024',
      '--rounds',
      '2',
      '--time',
      '5',
      '--out',
      out,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let err = '';
  let removed = false;
  child.stderr.on('data', (b: Buffer) => {
    err += b.toString();
    if (!removed && /\[1\/\d+\]/.test(err)) {
      rmSync(copy, { recursive: true, force: true }); // what `npm run build` does first
      removed = true;
    }
  });
  const code = await new Promise<number | null>((res) => child.on('exit', (c) => res(c)));
  rmSync(copy, { recursive: true, force: true });
  assert.ok(removed, 'the build output was removed during the run');
  assert.equal(code, 0, err);
  const rows = readCsv(join(out, 'evtchn.csv'));
  assert.ok(rows.length > 0 && rows.every((r) => r.status === 'ok'), err);
});
