// Faults a hostile or unlucky user meets, each reproduced in-process on the toy suite: nothing
// overwrites a file it did not create, bad input is refused before any run folder exists,
// and options that would silently do something else are refused or warned about.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { csvCell } from '../../src/harness/csvcell.js';
import { type OpenWrite, SuiteWriter } from '../../src/harness/output.js';
import { allocateRunDir, claimOutDir, lockedBy, releaseRunDir } from '../../src/harness/rundir.js';
import { cli, readCsv, tempDir } from './helpers.js';

const MAIN = fileURLToPath(new URL('../../bench/main.js', import.meta.url));
const FAST = ['--rounds', '1', '--time', '2', '--variant', 'good', '--case', 'words=8'];

test('--dump-load refuses an existing path (a stored run, a symlink to one, a folder) unless --force', async () => {
  const dir = tempDir();
  const stored = join(dir, 'toy.csv');
  writeFileSync(stored, 'a stored baseline\n');
  const link = join(dir, 'link.csv');
  symlinkSync(stored, link);
  for (const target of [stored, link]) {
    const r = await cli(['--case', 'words=8', '--dump-load', target]);
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, /already exists; nothing was written \(pass --force/);
  }
  assert.equal(readFileSync(stored, 'utf8'), 'a stored baseline\n');
  const folder = await cli(['--case', 'words=8', '--dump-load', dir, '--force']);
  assert.equal(folder.code, 2);
  assert.match(folder.err, /is a folder/);
  // --force replaces the symlink itself, never the file it points to
  const forced = await cli(['--case', 'words=8', '--dump-load', link, '--force']);
  assert.equal(forced.code, 0, forced.err);
  assert.equal(readFileSync(stored, 'utf8'), 'a stored baseline\n');
  assert.equal(readCsv(link).length, 8);
  const noDir = await cli(['--case', 'words=8', '--dump-load', join(dir, 'no', 'such', 'x.csv')]);
  assert.equal(noDir.code, 2, 'an unwritable path is bad input, not a failed variant');
  assert.deepEqual(readdirSync(dir).sort(), ['link.csv', 'toy.csv']);
});

test('a bad --load file is refused before any run folder exists, naming line and column; a BOM is fine', async () => {
  const dir = tempDir();
  const root = join(dir, 'results');
  const missing = await cli([...FAST, '--load', join(dir, 'nope.csv')], { resultsRoot: root });
  assert.equal(missing.code, 2);
  assert.match(missing.err, /--load .*nope\.csv: cannot read it \(ENOENT\)/);
  const good = join(dir, 'load.csv');
  assert.equal((await cli(['--case', 'words=8', '--dump-load', good])).code, 0);
  const lines = readFileSync(good, 'utf8').split('\n');
  for (const bad of ['x', '', '0x10', '1e1']) {
    const file = join(dir, `bad-${bad || 'empty'}.csv`);
    writeFileSync(file, [lines[0], lines[1], `1,${bad}`, ...lines.slice(3)].join('\n'));
    const r = await cli([...FAST, '--load', file], { resultsRoot: root });
    assert.equal(r.code, 2, `${bad}: ${r.err}`);
    assert.match(r.err, new RegExp(`line 3, column word: '${bad}' is not a valid value`));
  }
  assert.equal(existsSync(root), false, 'no run folder was created for bad input');
  const bom = join(dir, 'bom.csv');
  writeFileSync(bom, '\uFEFF' + readFileSync(good, 'utf8'));
  const out = join(dir, 'run');
  const r = await cli([...FAST, '--load', bom, '--out', out]);
  assert.equal(r.code, 0, r.err);
  assert.match(readCsv(join(out, 'toy.csv'))[0]!.load!, /^file:bom\.csv@[0-9a-f]{12}$/);
});

test('option nits: empty paths, a repeated --case, a doubled suite, --list matching nothing, hopeless settings', async () => {
  for (const o of ['--out', '--dump-load', '--load']) {
    const r = await cli([...FAST, o, '']);
    assert.equal(r.code, 2, o);
    assert.match(r.err, new RegExp(`${o} needs a path`));
  }
  const twice = await cli(['--case', 'words=8', '--case', 'words=64']);
  assert.equal(twice.code, 2);
  assert.match(twice.err, /--case given 2 times/);
  const list = await cli(['--list', '--case', 'words=3']);
  assert.equal(list.code, 2);
  assert.match(list.err, /no case matches --case 'words=3'/);
  const out = join(tempDir(), 'run');
  const r = await cli([
    ...FAST,
    '--suite',
    'toy,toy',
    '--threads',
    '64',
    '--time',
    '200',
    '--task-timeout',
    '150',
    '--out',
    out,
  ]);
  assert.match(r.err, /--threads 64 is more than the \d+ cores/);
  assert.match(r.err, /--time 200 ms is not below --task-timeout 150 ms/);
  const rows = readCsv(join(out, 'toy.csv'));
  assert.equal(rows.filter((x) => x.metric === 'gate').length, 1, '--suite toy,toy runs toy once');
});

test('a second writer of one run folder is refused: the folder is claimed atomically and locked', async () => {
  const dir = join(tempDir(), 'run');
  claimOutDir(dir); // the first run holds it, not yet having written a file
  assert.throws(() => claimOutDir(dir), /is being written by another run \(pid \d+/);
  const r = await cli([...FAST, '--out', dir]);
  assert.equal(r.code, 2);
  assert.match(r.err, /being written by another run/);
  releaseRunDir(dir);
  const root = tempDir();
  const a = allocateRunDir(root, 'abc');
  const b = allocateRunDir(root, 'abc');
  assert.notEqual(a, b);
  assert.ok(lockedBy(a) && lockedBy(b));
});

test('an interrupt keeps every finished task of an unfinished case: samples streamed, rows marked partial', async () => {
  const out = join(tempDir(), 'run');
  const ac = new AbortController();
  let done = 0;
  const progress = { start() {}, log() {}, stop() {}, done: () => void (++done === 2 && ac.abort()) };
  const r = await cli(['--rounds', '3', '--time', '5', '--variant', 'good,slow', '--case', 'words=8', '--out', out], {
    interrupt: ac.signal,
    progress,
  });
  assert.equal(r.code, 130);
  const rows = readCsv(join(out, 'toy.csv.partial'));
  const timing = rows.filter((x) => x.kind === 'timing');
  assert.deepEqual(timing.map((x) => x.variant).sort(), ['good', 'slow']);
  for (const x of rows) assert.match(x.detail!, /^partial: 2 of 6 tasks finished before the run stopped/);
  const samples = readCsv(join(out, 'toy.samples.csv.partial'));
  assert.deepEqual([...new Set(samples.map((s) => `${s.variant}/${s.round}`))].sort(), ['good/0', 'slow/0']);
  assert.equal(lockedBy(out), undefined, 'the lock is released');
});

test('a full disk ends the run with exit 3 naming the file; nothing is renamed to look complete', async () => {
  const out = join(tempDir(), 'run');
  const enospc: OpenWrite = (path) =>
    path.endsWith('.samples.csv.partial')
      ? new Writable({
          write(_chunk, _enc, cb) {
            cb(Object.assign(new Error('no space left on device'), { code: 'ENOSPC' }));
          },
        })
      : createWriteStream(path);
  const r = await cli(['--rounds', '2', '--time', '2', '--variant', 'good', '--out', out], { openWrite: enospc });
  assert.equal(r.code, 3, r.err);
  assert.match(r.err, /toy\.samples\.csv\.partial: ENOSPC/);
  assert.ok(existsSync(join(out, 'toy.csv.partial')));
  assert.ok(!existsSync(join(out, 'toy.csv')), 'the summary is not renamed while the samples are incomplete');
  const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
  assert.equal(manifest.complete, false);
  assert.match(manifest.write_error, /ENOSPC/);
});

test('cells that a spreadsheet would run as formulas go out as text; numbers stay numbers', async () => {
  assert.equal(csvCell('=1+2*3'), "'=1+2*3");
  assert.equal(csvCell('@SUM(A1)'), "'@SUM(A1)");
  assert.equal(csvCell('-5.25'), '-5.25');
  assert.equal(csvCell('2-level'), '2-level');
  const dir = tempDir();
  const w = new SuiteWriter(dir, 's');
  w.row({ host: '=1+2*3', detail: '+cmd|calc', mean: -1.5 } as never);
  await w.end();
  w.commit();
  const text = readFileSync(join(dir, 's.csv'), 'utf8');
  assert.match(text, /'=1\+2\*3/);
  assert.match(text, /'\+cmd\|calc/);
  assert.match(text, /,-1\.5,/);
});

test('SIGTERM is handled like SIGINT: exit 130, an honest manifest, files marked partial', async () => {
  const out = join(tempDir(), 'run');
  const child = spawn(
    process.execPath,
    [MAIN, '--suite', 'evtchn', '--case', 'ports=1024', '--rounds', '50', '--time', '5', '--out', out],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let err = '';
  let sent = false;
  child.stderr.on('data', (b: Buffer) => {
    err += b.toString();
    if (!sent && /\[1\/\d+\]/.test(err)) sent = child.kill('SIGTERM'); // once, after the first finished task
  });
  const code = await new Promise<number | null>((res) => child.on('exit', (c) => res(c)));
  assert.equal(code, 130, err);
  const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
  assert.equal(manifest.interrupted, true);
  assert.equal(manifest.complete, false);
  assert.ok(existsSync(join(out, 'evtchn.samples.csv.partial')));
  assert.ok(!existsSync(join(out, 'evtchn.csv')));
});
