// `compare --until-resolved` end to end in a throwaway repository with stored runs of both
// commits (so nothing is built): with no budget left, the open row is reported undecided, never
// "no change", and no further runs are made. The path that adds runs is alternate() of
// resolve.ts, exercised by worktree.slow.test.ts, and the loop's decisions by until.test.ts.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { compareIn, timings, tmp, writeRun } from './fixture.js';

function git(cwd: string, ...args: string[]): string {
  return execFileSync(
    'git',
    ['-c', 'user.name=t', '-c', 'user.email=t@example.com', '-c', 'commit.gpgsign=false', ...args],
    { cwd, encoding: 'utf8' },
  ).trim();
}

test('--until-resolved: a row still open when the budget ends is undecided', async () => {
  const repo = join(tmp('hvbench-until-'), 'repo');
  mkdirSync(repo, { recursive: true });
  git(repo, 'init', '-q');
  writeFileSync(join(repo, '.gitignore'), 'results/\n');
  const commit = (centre: number, seed: number) => {
    writeFileSync(join(repo, 'centre'), String(centre));
    git(repo, 'add', '-A');
    git(repo, 'commit', '-q', '-m', `centre ${centre}`);
    const c = git(repo, 'rev-parse', 'HEAD');
    // workers 3% apart: a 2% change is neither clearly beyond nor clearly within ±2%
    writeRun(join(repo, 'results', c.slice(0, 12)), {
      commit: c,
      rows: [{ variant: '2-level', metric: 'deliver', samples: timings(seed, centre, { workerCv: 0.03, rounds: 8 }) }],
    });
  };
  commit(20, 1);
  commit(20.4, 2);
  const r = await compareIn(['HEAD~1', 'HEAD', '--until-resolved', '--budget', '0', '--format', 'json'], repo);
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout) as { rows: { verdict: string; reason: string }[]; warnings: string[] };
  assert.equal(j.rows[0]!.verdict, 'undecided', JSON.stringify(j.rows[0]));
  assert.match(j.rows[0]!.reason, /straddles ±threshold \(budget: 0 s left/);
  assert.ok(
    j.warnings.some((w) => /--until-resolved: 1 look\(s\)/.test(w)),
    j.warnings.join('\n'),
  );
  assert.doesNotMatch(r.stderr, /look 2/);
});
