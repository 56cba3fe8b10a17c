// A ref without results is built and run in a temporary git worktree; the run is kept under
// results/<commit12>/ and the worktree is gone afterwards. Tested in a throwaway repository
// whose "bench" is a tiny TypeScript program that copies a fixture run to --out: the real
// bench is not needed to test the plumbing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { COMPARE_MAIN, compare, timings, tmp, writeRun, type RowSpec } from './fixture.js';

const FAKE_BENCH = `// @ts-nocheck
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
const args = process.argv.slice(2);
const out = args[args.indexOf('--out') + 1];
mkdirSync(out, { recursive: true });
if (process.env.FAKE_BENCH_PIDFILE) {
  // a long run, to be interrupted: say who we are, then wait for the signal
  writeFileSync(process.env.FAKE_BENCH_PIDFILE, String(process.pid));
  process.on('SIGTERM', () => { writeFileSync(out + '/interrupted', 'yes'); process.exit(130); });
  setTimeout(() => {}, 60000);
} else {
cpSync('fixture', out, { recursive: true });
// the fixture was written before its commit existed: its rows name the commit measured, as a bench's do
const head = execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
for (const f of readdirSync(out)) {
  writeFileSync(out + '/' + f, readFileSync(out + '/' + f, 'utf8').replaceAll('${'a'.repeat(40)}', head));
}
}
// what the bench was asked, so that the test can check the options were passed through
writeFileSync(out + '/argv.json', JSON.stringify(args));
`;

function git(cwd: string, ...args: string[]): string {
  return execFileSync(
    'git',
    ['-c', 'user.name=t', '-c', 'user.email=t@example.com', '-c', 'commit.gpgsign=false', ...args],
    { cwd, encoding: 'utf8' },
  ).trim();
}

function commitFixture(repo: string, centre: number, seed: number, message: string): string {
  const rows: RowSpec[] = [
    { variant: '2-level', metric: 'deliver', samples: timings(seed, 20) },
    { variant: 'N-level', metric: 'deliver', samples: timings(seed + 1, centre) },
  ];
  writeRun(join(repo, 'fixture'), { rows });
  git(repo, 'add', '-A');
  git(repo, 'commit', '-q', '-m', message);
  return git(repo, 'rev-parse', 'HEAD');
}

function fakeRepo(): string {
  const repo = join(tmp('hvbench-wt-'), 'repo');
  mkdirSync(join(repo, 'bench'), { recursive: true });
  git(repo, 'init', '-q');
  writeFileSync(join(repo, 'package.json'), JSON.stringify({ name: 'fake', private: true, type: 'module' }));
  writeFileSync(
    join(repo, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: { module: 'NodeNext', target: 'ES2022', outDir: 'dist', rootDir: '.', types: [] },
      include: ['bench/**/*.ts'],
    }),
  );
  writeFileSync(join(repo, '.gitignore'), 'dist/\nresults/\n');
  writeFileSync(join(repo, 'bench', 'main.ts'), FAKE_BENCH);
  return repo;
}

function worktrees(repo: string): string[] {
  return git(repo, 'worktree', 'list', '--porcelain')
    .split('\n')
    .filter((l) => l.startsWith('worktree '));
}

test('HEAD~1 HEAD with no results: both measured in worktrees, kept, worktrees removed', () => {
  const repo = fakeRepo();
  const c1 = commitFixture(repo, 30, 1, 'base');
  const c2 = commitFixture(repo, 33, 11, 'N-level 10% slower');
  const r = compare(['HEAD~1', 'HEAD', '--fail-on', 'regression', '--', '--suite', 'evtchn', '--seed', '7'], repo);
  assert.equal(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /^base: HEAD~1 \(\w{12}\)/m);
  assert.match(r.stdout, /^N-level\s.*slower$/m);
  assert.match(r.stderr, /building \w{12} in a temporary worktree/);
  assert.match(r.stdout, /^head: HEAD \(\w{12}\) \(results\/\w{12} \+4 more runs\)/m);
  // both sides measured: 5 runs each (--interleave), alternating base, head, base, ...
  const order = (r.stderr.match(/compare: \w{12}: node dist\/bench\/main\.js/g) ?? []).map((l) => l.slice(9, 21));
  assert.deepEqual(
    order,
    Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? c1 : c2).slice(0, 12)),
  );
  // the runs are kept where the next compare finds them, with the options passed through
  const results = readdirSync(join(repo, 'results')).sort();
  const runsOf = (c: string) => [c.slice(0, 12), ...[2, 3, 4, 5].map((n) => `${c.slice(0, 12)}.${n}`)];
  assert.deepEqual(results, [...runsOf(c1), ...runsOf(c2)].sort());
  assert.deepEqual(JSON.parse(readFileSync(join(repo, 'results', c1.slice(0, 12), 'argv.json'), 'utf8')), [
    '--out',
    join(repo, 'results', c1.slice(0, 12)),
    '--suite',
    'evtchn',
    '--seed',
    '7',
  ]);
  // and the worktrees are gone: only the main checkout is left
  assert.deepEqual(worktrees(repo), [`worktree ${repo}`]);
  // the second time, nothing is run
  const again = compare(['HEAD~1', 'HEAD', '--no-run'], repo);
  assert.equal(again.code, 0, again.stderr);
  assert.doesNotMatch(again.stderr, /worktree/);
  assert.deepEqual(readdirSync(join(repo, 'results')).sort(), results);
});

test('--no-run refuses to measure a ref without results; an unknown ref exits 2', () => {
  const repo = fakeRepo();
  const c1 = commitFixture(repo, 30, 1, 'only');
  const r = compare(['HEAD', 'HEAD', '--no-run'], repo);
  assert.equal(r.code, 2);
  assert.match(
    r.stderr,
    new RegExp(
      `HEAD \\(${c1.slice(0, 12)}\\): no stored run in results/${c1.slice(0, 12)}\\*/ \\(an A/A comparison needs two\\), and --no-run forbids`,
    ),
  );
  assert.equal(existsSync(join(repo, 'results')), false);
  const u = compare(['no-such-branch', 'HEAD'], repo);
  assert.equal(u.code, 2);
  assert.match(u.stderr, /no-such-branch: no such file or folder, and git knows no commit by that name/);
  // a ref is an argument, never a shell command line
  const evil = compare(['HEAD;touch pwned', 'HEAD'], repo);
  assert.equal(evil.code, 2);
  assert.equal(existsSync(join(repo, 'pwned')), false);
});

test('HEAD HEAD is an A/A comparison: two separate runs, no significant change', () => {
  const repo = fakeRepo();
  const c = commitFixture(repo, 30, 1, 'only');
  const r = compare(['HEAD', 'HEAD', '--fail-on', 'regression'], repo);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const c12 = c.slice(0, 12);
  assert.deepEqual(
    readdirSync(join(repo, 'results')).sort(),
    [c12, ...Array.from({ length: 9 }, (_, i) => `${c12}.${i + 2}`)].sort(),
  );
  // no bench options given: one round and its A/A replica per run, five runs a side
  assert.deepEqual(JSON.parse(readFileSync(join(repo, 'results', c12, 'argv.json'), 'utf8')).slice(2), [
    '--rounds',
    '1',
    '--aa',
  ]);
  // stored now: the same A/A again shares the ten runs out, five a side, and runs nothing
  const again = compare(['HEAD', 'HEAD', '--no-run', '--format', 'json'], repo);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr, /HEAD → results\/\w{12} \+4 more runs/);
  assert.doesNotMatch(r.stdout, /same run/);
  assert.deepEqual(worktrees(repo), [`worktree ${repo}`]);
});

test('a commit whose bench writes nothing exits 2 and still removes its worktree', () => {
  const repo = fakeRepo();
  commitFixture(repo, 30, 1, 'good');
  writeFileSync(join(repo, 'bench', 'main.ts'), '// @ts-nocheck\nprocess.exit(3);\n');
  git(repo, 'commit', '-q', '-am', 'broken bench');
  const r = compare(['HEAD~1', 'HEAD'], repo);
  assert.equal(r.code, 2, r.stdout + r.stderr);
  assert.match(r.stderr, /bench of \w{12} exited 3 and wrote no CSV/);
  assert.deepEqual(worktrees(repo), [`worktree ${repo}`]);
});

test('a SIGTERM to compare reaches the bench it runs, waits for it, and removes the worktree (exit 130)', async () => {
  // prebuilt (no tsconfig, dist/ committed): this test is about signals, not the build
  const repo = join(tmp('hvbench-wt-'), 'repo');
  mkdirSync(join(repo, 'dist', 'bench'), { recursive: true });
  git(repo, 'init', '-q');
  writeFileSync(join(repo, 'package.json'), JSON.stringify({ name: 'fake', private: true, type: 'module' }));
  writeFileSync(join(repo, '.gitignore'), 'results/\n');
  writeFileSync(join(repo, 'dist', 'bench', 'main.js'), FAKE_BENCH);
  commitFixture(repo, 30, 1, 'only');
  const pidFile = join(tmp(), 'bench.pid');
  const child = spawn(process.execPath, [COMPARE_MAIN, 'HEAD', 'HEAD'], {
    cwd: repo,
    env: { ...process.env, FAKE_BENCH_PIDFILE: pidFile },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  child.stderr.on('data', (b: Buffer) => void (err += b.toString()));
  while (!existsSync(pidFile) || readFileSync(pidFile, 'utf8') === '') await new Promise((r) => setTimeout(r, 50));
  const benchPid = Number(readFileSync(pidFile, 'utf8'));
  child.kill('SIGTERM');
  const code = await new Promise<number | null>((res) => child.on('exit', (c) => res(c)));
  assert.equal(code, 130, err);
  assert.throws(() => process.kill(benchPid, 0), /ESRCH/, 'the bench is not left running');
  assert.deepEqual(worktrees(repo).length, 1, 'only the main checkout is registered');
  const runs = readdirSync(join(repo, 'results'));
  assert.ok(
    runs.some((d) => existsSync(join(repo, 'results', d, 'interrupted'))),
    'the bench got the signal',
  );
});
