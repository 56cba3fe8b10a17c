import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { cli } from './helpers.js';

const MAIN = fileURLToPath(new URL('../../bench/main.js', import.meta.url));

test('an unknown option exits 2 and lists the valid ones', async () => {
  const r = await cli(['--frobnicate']);
  assert.equal(r.code, 2);
  assert.match(r.err, /frobnicate/);
  assert.match(r.err, /valid options: .*--suite.*--variant/);
});

test('an unknown suite exits 2 and lists the valid suites', async () => {
  const r = await cli(['--suite', 'nosuch']);
  assert.equal(r.code, 2);
  assert.match(r.err, /unknown suite 'nosuch'; valid suites: toy/);
});

test('an unknown variant exits 2 and lists the valid variants', async () => {
  const r = await cli(['--variant', 'good,nosuch']);
  assert.equal(r.code, 2);
  assert.match(r.err, /unknown variant 'nosuch'.*good, slow, wrong, throws, hangs/);
});

test('a bad number names the option and the valid range', async () => {
  for (const [opt, val] of [
    ['--seed', '4294967296'],
    ['--threads', '0'],
    ['--rounds', 'x'],
    ['--time', '1.5'],
  ] as const) {
    const r = await cli([opt, val]);
    assert.equal(r.code, 2, `${opt} ${val}`);
    assert.match(r.err, new RegExp(`${opt} must be an integer from`));
  }
});

test('a case pattern that matches nothing exits 2 and lists the cases', async () => {
  const r = await cli(['--case', 'words=3']);
  assert.equal(r.code, 2);
  assert.match(r.err, /no case matches --case 'words=3'/);
  assert.match(r.err, /toy: words=8/);
});

test('--list shows suites, the baseline, and cases', async () => {
  const r = await cli(['--list']);
  assert.equal(r.code, 0);
  assert.match(r.out, /good \(baseline\)/);
  assert.match(r.out, /words=64/);
});

test('--help exits 0 and documents every option', async () => {
  const r = await cli(['--help']);
  assert.equal(r.code, 0);
  for (const o of [
    '--suite',
    '--variant',
    '--case',
    '--full',
    '--seed',
    '--threads',
    '--rounds',
    '--time',
    '--out',
    '--aa',
    '--dump-load',
    '--load',
    '--list',
  ]) {
    assert.ok(r.out.includes(o), o);
  }
});

test('the real entry point exits 2 on a bad option', () => {
  const r = spawnSync(process.execPath, [MAIN, '--no-such-option'], { encoding: 'utf8' });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /valid options/);
});
