// The page of one synthetic run, read as text: every suite and case has its section, states
// are said in plain words, counters are exact, the counterexample is a numbered list, nothing
// is fetched from anywhere; and bad input exits 2 with a message naming it.
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { reportMain } from '../../src/report/main.js';
import { tempDir, toySuites, writeRun } from './fixture.js';

const root = tempDir('hvbench-report-page-');
after(() => rmSync(root, { recursive: true, force: true }));

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await reportMain(
    argv,
    { cwd: root, out: (s) => (out += s), err: (s) => (err += s) },
    async (suite) => `the question of ${suite}?`,
  );
  return { code, out, err };
}

const runDir = join(root, 'results', 'aaaaaaaaaaaa');
writeRun(runDir, toySuites(), { commit: 'a'.repeat(40), startedAt: '2026-01-01T00:00:00.000Z' });

test('one page with a section per suite and case, states in plain words, exact counters, the counterexample as steps', async () => {
  const outFile = join(root, 'page.html');
  const r = await run([runDir, '--out', outFile]);
  assert.equal(r.code, 0, r.err);
  const html = readFileSync(outFile, 'utf8');
  for (const s of toySuites()) {
    assert.match(html, new RegExp(`<section class="suite" id="[^"]+" data-suite="${s.name}"`));
    assert.ok(html.includes(`the question of ${s.name}?`), `question of ${s.name}`);
    for (const c of s.cases) assert.ok(html.includes(`data-suite="${s.name}" data-case="${c}"`), `${s.name} ${c}`);
  }
  assert.ok(html.includes('over capacity: flat addresses 1024 ports; the case needs 4096'));
  // and in the counters table, the variant's column says so
  assert.ok(html.includes('<td class="over">over capacity: flat addresses 1024 ports; the case needs 4096</td>'));
  assert.ok(html.includes('<td class="fail">not measured (gate-failed)</td>'));
  assert.ok(
    html.includes('FAILED the correctness gate, so it was not timed: observation 17: expected mfn 0x10, got 0x11'),
  );
  assert.ok(html.includes('passed the correctness gate (164 observations agreed with the reference)'));
  // exact counters with their unit, thousands grouped by a thin space
  assert.ok(html.includes('131\u2009072'));
  assert.match(html, /<td class="key">capacity<\/td><td class="key">ports<\/td>/);
  // the explorer's counterexample: three numbered steps, thread then action
  const ol = /<ol class="trace">(.*?)<\/ol>/s.exec(html)?.[1] ?? '';
  assert.deepEqual(
    [...ol.matchAll(/<li><span class="thread">([^<]+)<\/span> ([^<]+)<\/li>/g)].map((m) => `${m[1]}: ${m[2]}`),
    ['guest: rewrite leaf 512', 'toolstack: map_p2m: read leaf 512', 'guest: install frame 16'],
  );
  // one ratio plot per case with timings, as inline SVG; where the baseline is over capacity,
  // ratios are to the first variant timed, and the page says so
  assert.equal((html.match(/<figure class="plot ratio"/g) ?? []).length, 3);
  assert.equal((html.match(/<svg /g) ?? []).length, 3);
  assert.ok(html.includes("median over tree's (the baseline flat has no timing in this case)"));
  // self-contained: no script, no stylesheet or font or image fetched
  assert.doesNotMatch(html, /<script|<link|<img|@import|url\(|src=/i);
  assert.doesNotMatch(html.replace(/xmlns(:xlink)?="[^"]+"/g, ''), /https?:\/\//);
});

test('with no argument: the newest run of results/, and a note that one commit is no history', async () => {
  const r = await run([]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /results\/report\.html/);
  assert.match(r.err, /no history/);
});

test('bad input exits 2 and says what was wrong and what is right', async () => {
  const missing = await run(['no-such-run']);
  assert.equal(missing.code, 2);
  assert.match(missing.err, /no-such-run: no such folder.*(not in a git checkout|give a run folder or a ref)/);
  const empty = tempDir('hvbench-report-empty-');
  const none = await run([empty]);
  rmSync(empty, { recursive: true });
  assert.equal(none.code, 2);
  assert.match(none.err, /no run here: a run folder holds <suite>\.csv files/);
  const opt = await run(['--colour']);
  assert.equal(opt.code, 2);
  assert.match(opt.err, /--colour.*the options are --out FILE and --help/);
  const out = await run([runDir, '--out']);
  assert.equal(out.code, 2);
  const other = join(root, 'other');
  writeRun(other, toySuites(), { commit: 'b'.repeat(40), startedAt: '2026-01-02T00:00:00.000Z' });
  writeFileSync(join(other, 'ring.csv'), 'schema,run_id,suite\nhvbench/1,x,ring\n');
  const bad = await run([other]);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /ring\.csv: not a hvbench\/1 file: missing columns commit, dirty/);
});

test('a run without sample files: ratios of the medians, no interval and no worker marks', async () => {
  const dir = join(root, 'nosamples');
  writeRun(dir, toySuites(), { commit: 'd'.repeat(40), startedAt: '2026-01-03T00:00:00.000Z', samples: false });
  const outFile = join(root, 'nosamples.html');
  const r = await run([dir, '--out', outFile]);
  assert.equal(r.code, 0, r.err);
  const html = readFileSync(outFile, 'utf8');
  assert.equal((html.match(/<figure class="plot ratio"/g) ?? []).length, 3);
  assert.match(
    html,
    /<td class="key">deliver<\/td><td class="key">tree<\/td><td class="num">[\d.]+ ns\/event<\/td><td class="num">±[\d.]+%<\/td><td class="num">×1\.(49|50)\d*<\/td>/,
  );
  assert.doesNotMatch(html, /workers_marks"[^>]*><path/);
});
