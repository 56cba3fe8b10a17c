import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { SAMPLE_COLUMNS, SUMMARY_COLUMNS } from '../../src/harness/schema.js';
import { cli, readCsv, tempDir } from './helpers.js';

const FAST = ['--rounds', '1', '--time', '5'];

test('a wrong, a throwing and a hanging variant are reported while the others complete', async () => {
  const out = join(tempDir(), 'run');
  const r = await cli([...FAST, '--case', 'words=8', '--task-timeout', '1500', '--out', out]);
  assert.equal(r.code, 1, 'a failed variant makes the exit code 1');
  const rows = readCsv(join(out, 'toy.csv'));
  const status = (v: string) => rows.filter((x) => x.variant === v).map((x) => x.status);
  assert.deepEqual([...new Set(status('good'))], ['ok']);
  assert.deepEqual([...new Set(status('slow'))], ['ok']);
  assert.deepEqual(status('wrong'), ['gate-failed']);
  assert.deepEqual(status('throws'), ['error']);
  assert.deepEqual(status('hangs'), ['timeout']);
  const wrong = rows.find((x) => x.variant === 'wrong')!;
  assert.match(wrong.detail!, /first difference at operation 0: expected \d+, got \d+/);
  assert.match(rows.find((x) => x.variant === 'throws')!.detail!, /injected failure/);
  // a failed variant is never timed: no timing row and no samples for it
  const samples = readCsv(join(out, 'toy.samples.csv'));
  assert.equal(samples.filter((s) => s.variant === 'wrong').length, 0);
  assert.match(r.out, /FAILED \(gate-failed\)/);
});

test('the CSV round trip: documented columns, numbers that parse, samples that join', async () => {
  const out = join(tempDir(), 'run');
  const r = await cli([...FAST, '--variant', 'good,slow', '--out', out]);
  assert.equal(r.code, 0, r.err);
  const text = readFileSync(join(out, 'toy.csv'), 'utf8');
  assert.equal(text.split('\n')[0], SUMMARY_COLUMNS.join(','));
  assert.equal(readFileSync(join(out, 'toy.samples.csv'), 'utf8').split('\n')[0], SAMPLE_COLUMNS.join(','));
  const rows = readCsv(join(out, 'toy.csv'));
  const samples = readCsv(join(out, 'toy.samples.csv'));
  const timings = rows.filter((x) => x.kind === 'timing');
  assert.equal(timings.length, 4, 'one timing row per variant per case');
  for (const row of timings) {
    for (const col of ['n', 'mean', 'median', 'p99', 'min', 'max', 'sd', 'rme'])
      assert.ok(Number.isFinite(Number(row[col])), col);
    assert.ok(Number(row.min) <= Number(row.median) && Number(row.median) <= Number(row.max));
    const mine = samples.filter((s) => s.variant === row.variant && s.case === row.case && s.metric === row.metric);
    assert.equal(mine.length, Number(row.n), 'n counts the samples written');
    assert.equal(row.isolation, 'worker-per-task');
    assert.equal(row.load, 'toy-load@1');
  }
  const counter = rows.find((x) => x.kind === 'counter' && x.case === 'words=8')!;
  assert.equal(counter.n, '1');
  assert.equal(counter.mean, counter.median);
  const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
  assert.equal(manifest.complete, true);
  assert.equal(manifest.baselines.toy, 'good');
});

test('a second run at the same commit gets its own folder; the first is untouched', async () => {
  const root = tempDir();
  const a = await cli([...FAST, '--variant', 'good', '--case', 'words=8'], { resultsRoot: root });
  assert.equal(a.code, 0, a.err);
  const first = readdirSync(root);
  assert.equal(first.length, 1);
  const before = readFileSync(join(root, first[0]!, 'toy.csv'), 'utf8');
  const b = await cli([...FAST, '--variant', 'good', '--case', 'words=8'], { resultsRoot: root });
  assert.equal(b.code, 0, b.err);
  const dirs = readdirSync(root).sort();
  assert.equal(dirs.length, 2);
  assert.equal(dirs[1], `${dirs[0]}.2`);
  assert.equal(readFileSync(join(root, first[0]!, 'toy.csv'), 'utf8'), before);
  const ids = dirs.map((d) => readCsv(join(root, d, 'toy.csv'))[0]!.run_id);
  assert.notEqual(ids[0], ids[1]);
});

test('--out refuses a folder that already holds a run', async () => {
  const out = join(tempDir(), 'run');
  assert.equal((await cli([...FAST, '--variant', 'good', '--case', 'words=8', '--out', out])).code, 0);
  const r = await cli([...FAST, '--variant', 'good', '--case', 'words=8', '--out', out]);
  assert.equal(r.code, 2);
  assert.match(r.err, /already holds a run/);
});

test('--dump-load writes the stream and --load replays it with the same result', async () => {
  const dir = tempDir();
  const file = join(dir, 'load.csv');
  const d = await cli(['--case', 'words=8', '--seed', '7', '--dump-load', file]);
  assert.equal(d.code, 0, d.err);
  assert.equal(readCsv(file).length, 8);
  const gen = join(dir, 'gen');
  const rep = join(dir, 'rep');
  assert.equal((await cli([...FAST, '--variant', 'good', '--case', 'words=8', '--seed', '7', '--out', gen])).code, 0);
  assert.equal((await cli([...FAST, '--variant', 'good', '--case', 'words=8', '--load', file, '--out', rep])).code, 0);
  const bits = (d: string) => readCsv(join(d, 'toy.csv')).find((x) => x.metric === 'bits_set')!;
  assert.equal(bits(rep).median, bits(gen).median);
  assert.match(bits(rep).load!, /^file:load\.csv@[0-9a-f]{12}$/);
  const many = await cli(['--dump-load', file]);
  assert.equal(many.code, 2);
  assert.match(many.err, /needs exactly one case, but 2 match/);
});

test('--aa measures every case twice and records the A/A band', async () => {
  const out = join(tempDir(), 'run');
  assert.equal((await cli([...FAST, '--variant', 'good', '--case', 'words=64', '--aa', '--out', out])).code, 0);
  const row = readCsv(join(out, 'toy.csv')).find((x) => x.kind === 'timing')!;
  assert.ok(Number.isFinite(Number(row.aa_band_pct)) && row.aa_band_pct !== '');
  const replicas = new Set(readCsv(join(out, 'toy.samples.csv')).map((s) => s.replica));
  assert.deepEqual([...replicas].sort(), ['0', '1']);
});

test('an interrupted run leaves files marked partial and a manifest that says so', async () => {
  const out = join(tempDir(), 'run');
  const ac = new AbortController();
  let started = 0;
  const progress = {
    start() {},
    done() {
      if (++started === 2) ac.abort();
    },
    log() {},
    stop() {},
  };
  const r = await cli(['--rounds', '3', '--time', '20', '--variant', 'good,slow', '--out', out], {
    interrupt: ac.signal,
    progress,
  });
  assert.equal(r.code, 130);
  assert.ok(existsSync(join(out, 'toy.csv.partial')));
  assert.ok(!existsSync(join(out, 'toy.csv')), 'no file that looks complete');
  const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
  assert.equal(manifest.complete, false);
  assert.equal(manifest.interrupted, true);
});

test('--inject-slowdown stretches the named variant only, and the manifest records it', async () => {
  const out = join(tempDir(), 'run');
  const r = await cli([
    '--rounds',
    '1',
    '--time',
    '20',
    '--variant',
    'good,slow',
    '--case',
    'words=64',
    '--inject-slowdown',
    'slow=200',
    '--out',
    out,
  ]);
  assert.equal(r.code, 0, r.err);
  const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
  assert.deepEqual(manifest.options.inject_slowdown, { slow: 2 });
  const rows = readCsv(join(out, 'toy.csv')).filter((x) => x.kind === 'timing');
  const median = (v: string) => Number(rows.find((x) => x.variant === v)!.median);
  // slow is already several times slower than good; tripled by the busy wait it cannot be
  // anywhere near good: a loose bound that survives a loaded machine
  assert.ok(median('slow') > 3 * median('good'), `slow ${median('slow')} vs good ${median('good')}`);
});
