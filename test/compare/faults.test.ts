// Faults a hostile or unlucky user meets, each reproduced: compare must pool only runs that
// measured the same thing, and refuse corrupt input naming file, line and column.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { readRun } from '../../src/compare/read.js';
import { InputError } from '../../src/harness/exit.js';
import { compare, compareIn, type RowSpec, timings, tmp, writeRun } from './fixture.js';

function rows(seedBase: number, slow = 1): RowSpec[] {
  return ['2-level', 'N-level'].map((variant, i) => ({
    variant,
    metric: 'deliver',
    samples: timings(seedBase + i, (variant === '2-level' ? 20 : 30) * (variant === '2-level' ? slow : 1)),
  }));
}

function repoWithCommit(): { repo: string; commit: string } {
  const repo = join(tmp('hvbench-pool-'), 'repo');
  mkdirSync(repo, { recursive: true });
  const git = (...a: string[]) =>
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...a], {
      cwd: repo,
      encoding: 'utf8',
    }).trim();
  git('init', '-q');
  git('commit', '-q', '--allow-empty', '-m', 'one');
  return { repo, commit: git('rev-parse', 'HEAD') };
}

test('a ref pools only runs measured alike: calibration, other --time and other-commit runs are left out, and listed', async () => {
  const { repo, commit } = repoWithCommit();
  const c12 = commit.slice(0, 12);
  const results = join(repo, 'results');
  const base = writeRun(join(repo, 'B'), { commit, rows: rows(1) });
  writeRun(join(results, c12), { commit, rows: rows(3) });
  // a calibration run of the same commit: 2-level made 50% slower
  writeRun(join(results, `${c12}.2`), { commit, rows: rows(5, 1.5), options: { inject_slowdown: { '2-level': 0.5 } } });
  writeRun(join(results, `${c12}.3`), { commit, rows: rows(7, 1.5), options: { time_ms: 20 } });
  // a folder named after this commit whose rows are another commit's
  writeRun(join(results, `${c12}.4`), { commit: 'f'.repeat(40), rows: rows(9, 1.5) });
  const r = await compareIn([base, 'HEAD', '--no-run', '--fail-on', 'regression'], repo);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.doesNotMatch(r.stdout, /slower/);
  assert.match(r.stdout, new RegExp(`left out results/${c12}\\.2: a calibration run \\(--inject-slowdown`));
  assert.match(r.stdout, new RegExp(`left out results/${c12}\\.3: measured differently .*time_ms 20 vs 100`));
  assert.match(r.stdout, new RegExp(`left out results/${c12}\\.4: its rows are of commit ffffffffffff`));
});

test('a folder of runs that were not measured alike is refused, naming the runs and the difference', async () => {
  const root = tmp();
  const base = writeRun(join(root, 'base'), { rows: rows(1) });
  writeRun(join(root, 'head', 'run1'), { rows: rows(3) });
  writeRun(join(root, 'head', 'run2'), { rows: rows(5), options: { seed: 2 } });
  const r = await compareIn([base, join(root, 'head')]);
  assert.equal(r.code, 2, r.stdout);
  assert.match(r.stderr, /not measured alike.*run2 \(seed 2 vs 1\)/);
  const ok = writeRun(join(root, 'same', 'run1'), { rows: rows(3) });
  writeRun(join(root, 'same', 'run2'), { rows: rows(5) });
  const p = await compareIn([base, join(ok, '..')]);
  assert.equal(p.code, 0, p.stderr);
  assert.match(p.stdout, /pooled 2 runs/);
});

test('a run with other node flags (e.g. --jitless) is another environment: a warning, refused under --strict-env', async () => {
  const root = tmp();
  const env = { host: 'box', cpu: 'Test CPU @ 2.0GHz', cores: 2, node: 'v20.20.2', v8: '11.3.244.8-node.33' };
  const base = writeRun(join(root, 'base'), { rows: rows(1), manifest: { env: { ...env, node_flags: '' } } });
  const head = writeRun(join(root, 'head'), { rows: rows(3), manifest: { env: { ...env, node_flags: '--jitless' } } });
  const r = await compareIn([base, head]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /different environments \(node flags: \(none\) vs --jitless\)/);
  const strict = await compareIn([base, head, '--strict-env']);
  assert.equal(strict.code, 2);
  assert.match(strict.stderr, /node flags: \(none\) vs --jitless.*--strict-env refuses/);
});

test('--format csv escapes formulas and --format md escapes HTML, pipes and newlines', async () => {
  const root = tmp();
  const evil: RowSpec[] = [
    { variant: '=HYPERLINK("http://x")', metric: 'deliver', samples: timings(1, 20) },
    { variant: 'v', metric: 'gate', kind: 'counter', status: 'error', detail: '<img src=x>\nline two | pipe' },
  ];
  const b = writeRun(join(root, 'b'), { rows: evil });
  const h = writeRun(join(root, 'h'), { rows: evil });
  const csv = await compareIn([b, h, '--format', 'csv']);
  assert.equal(csv.code, 0, csv.stderr);
  assert.match(csv.stdout, /^evtchn,"'=HYPERLINK\(""http:\/\/x""\)",/m);
  const md = await compareIn([b, h, '--format', 'md']);
  assert.match(md.stdout, /&lt;img src=x&gt; line two \\\| pipe/);
  assert.doesNotMatch(md.stdout, /<img/);
});

test('a stored run still being written (or whose writer died) is left out, and said so', async () => {
  const { repo, commit } = repoWithCommit();
  const c12 = commit.slice(0, 12);
  const base = writeRun(join(repo, 'B'), { commit, rows: rows(1) });
  writeRun(join(repo, 'results', c12), { commit, rows: rows(3) });
  writeFileSync(join(writeRun(join(repo, 'results', `${c12}.2`), { commit, rows: rows(5, 1.5) }), '.lock'), 'pid 1');
  const r = await compareIn([base, 'HEAD', '--no-run', '--fail-on', 'regression'], repo);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(
    r.stdout,
    new RegExp(`left out results/${c12}\\.2: still being written, or its writer died \\(pid 1\\)`),
  );
});

test('corrupt values are input errors naming file, line and column, never verdicts', async () => {
  const root = tmp();
  const good: RowSpec[] = [...rows(1), { variant: '2-level', metric: 'words', kind: 'counter', value: 2 }];
  const base = writeRun(join(root, 'base'), { rows: good });
  const edit = (name: string, file: string, f: (lines: string[]) => string[]) => {
    const dir = writeRun(join(root, name), { rows: good });
    const p = join(dir, file);
    writeFileSync(p, f(readFileSync(p, 'utf8').trimEnd().split('\n')).join('\n') + '\n');
    return dir;
  };
  const header = readFileSync(join(base, 'evtchn.csv'), 'utf8').split('\n')[0]!.split(',');
  const col = (line: string, name: string, v: string) => {
    const cells = line.split(',');
    cells[header.indexOf(name)] = v;
    return cells.join(',');
  };
  // line 4 of evtchn.csv is the counter row (header, two timings, the counter)
  const cases: [string, string, (l: string[]) => string[], RegExp][] = [
    [
      'nan',
      'evtchn.csv',
      (l) => [...l.slice(0, 3), col(l[3]!, 'median', 'NaN')],
      /evtchn\.csv: line 4, column median: 'NaN' is not a number/,
    ],
    [
      'empty',
      'evtchn.csv',
      (l) => [...l.slice(0, 3), col(l[3]!, 'median', '')],
      /line 4, column median: '' is not a number/,
    ],
    [
      'text',
      'evtchn.csv',
      (l) => [...l.slice(0, 3), col(l[3]!, 'mean', 'abc')],
      /line 4, column mean: 'abc' is not a number/,
    ],
    [
      'status',
      'evtchn.csv',
      (l) => [...l.slice(0, 3), col(l[3]!, 'status', 'weird')],
      /line 4, column status: 'weird' is not a status/,
    ],
    ['header', 'evtchn.csv', (l) => [l[0]!], /evtchn\.csv: no rows, only a header/],
    ['dup', 'evtchn.csv', (l) => [...l, l[3]!], /line 5 repeats the row of line 4/],
    [
      'negative',
      'evtchn.samples.csv',
      (l) => [l[0]!, col2(l[1]!, '-3'), ...l.slice(2)],
      /samples\.csv: line 2, column value: '-3' is not a positive, finite time/,
    ],
    [
      'zero',
      'evtchn.samples.csv',
      (l) => [l[0]!, col2(l[1]!, '0'), ...l.slice(2)],
      /line 2, column value: '0' is not a positive/,
    ],
  ];
  // in-process (the reader is where the refusal happens); one run of the CLI shows the exit code
  for (const [name, file, f, re] of cases) {
    const head = edit(name, file, f);
    assert.throws(
      () => readRun(head),
      (e: Error) => e instanceof InputError && re.test(e.message),
      name,
    );
  }
  // a real process here: the exit code of an input error is the CLI's
  const r = compare([base, join(root, 'nan'), '--fail-on', 'regression']);
  assert.equal(r.code, 2, r.stdout);
  assert.match(r.stderr, /line 4, column median: 'NaN' is not a number/);
});

/** The last cell (value) of a samples line replaced. */
function col2(line: string, v: string): string {
  return line.replace(/[^,]*$/, v);
}
