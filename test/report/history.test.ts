// A synthetic history of 14 commits with a step injected at commit 8 and a counter changed at
// commit 11: the change points are found at commit 8 in the series that stepped and nowhere
// else, the counter change is listed at commit 11, and the page draws and lists them.
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { gather } from '../../src/report/gather.js';
import { buildHistory } from '../../src/report/history.js';
import { reportMain } from '../../src/report/main.js';
import { tempDir, writeHistory } from './fixture.js';

const root = tempDir('hvbench-report-history-');
after(() => rmSync(root, { recursive: true, force: true }));
const commits = writeHistory(root, 14, 8, 11);

test('the injected step is a change point at its commit, in the series that stepped only', () => {
  const g = gather([], root);
  assert.equal(g.runs.length, 14);
  const h = buildHistory(g.runs, g.root);
  assert.deepEqual(
    h.commits.map((c) => c.sha),
    commits,
  );
  const stepped = h.series.filter((s) => s.variant === 'tree');
  assert.equal(stepped.length, 4);
  for (const s of stepped) {
    assert.deepEqual(
      s.changes.map((c) => h.commits[c.at]!.sha),
      [commits[7]],
      `${s.case} ${s.metric}`,
    );
    assert.ok(Math.abs(s.changes[0]!.after / s.changes[0]!.before - 1.1) < 0.02);
  }
  for (const s of h.series.filter((x) => x.variant !== 'tree'))
    assert.deepEqual(s.changes, [], `${s.variant} ${s.case}`);
  assert.deepEqual(
    h.counterChanges.map((c) => [c.variant, c.case, c.metric, c.before, c.after, h.commits[c.at]!.sha]),
    [
      ['tree', 'ports=64,load=sparse', 'words_read', '3', '4', commits[10]],
      ['tree', 'ports=4096,load=dense', 'words_read', '3', '4', commits[10]],
    ],
  );
});

test('the page draws each change point at its commit and links it', async () => {
  const out = join(root, 'history.html');
  let err = '';
  const code = await reportMain(
    ['--out', out],
    { cwd: root, out: () => {}, err: (s) => (err += s) },
    async () => undefined,
  );
  assert.equal(code, 0, err);
  const html = readFileSync(out, 'utf8');
  const at = commits[7]!.slice(0, 12);
  assert.equal((html.match(new RegExp(`aria-label="change point: tree at ${at}"`, 'g')) ?? []).length, 4);
  assert.equal((html.match(/aria-label="change point:/g) ?? []).length, 4);
  assert.ok(html.includes(`<tr id="commit-${at}">`));
  assert.ok(html.includes(`npm run compare -- ${commits[6]!.slice(0, 12)} ${at} --no-run`));
  assert.match(html, /<table class="counter-changes">.*words_read.*3 → 4 words\/event/s);
});

test('refs stand for the stored runs of their commits; an unknown ref exits 2', async () => {
  const io = () => {
    const o = { out: '', err: '' };
    return { o, io: { cwd: root, out: (s: string) => (o.out += s), err: (s: string) => (o.err += s) } };
  };
  const a = io();
  const code = await reportMain(
    [commits[2]!.slice(0, 8), 'HEAD', '--out', join(root, 'refs.html')],
    a.io,
    async () => undefined,
  );
  assert.equal(code, 0, a.o.err);
  assert.match(a.o.out, /history of 2 commits/);
  assert.ok(a.o.out.includes(`run ${join(root, 'results', commits[13]!.slice(0, 12))}`));
  const b = io();
  assert.equal(await reportMain(['no-such-ref'], b.io, async () => undefined), 2);
  assert.match(b.o.err, /no-such-ref: no such folder, and git knows no commit by that name/);
});
