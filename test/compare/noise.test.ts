// compare on a noisy machine, end to end on synthetic runs: direction per metric, the
// `unknown` verdict (contention, speed modes), and files written before the new columns.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { OPTIONAL_SUMMARY_COLUMNS } from '../../src/harness/schema.js';
import { compareIn, type RowSpec, timings, tmp, writeRun } from './fixture.js';

function runs(base: RowSpec[], head: RowSpec[]): [string, string] {
  const root = tmp();
  return [
    writeRun(join(root, 'base'), { commit: 'b'.repeat(40), rows: base }),
    writeRun(join(root, 'head'), { commit: 'c'.repeat(40), rows: head }),
  ];
}

const counter = (metric: string, value: number, better?: 'higher' | 'lower'): RowSpec => ({
  variant: '2-level',
  metric,
  kind: 'counter',
  unit: 'ports',
  value,
  ...(better ? { better } : {}),
});

test('direction: a grown capacity is not a regression, more words read is, an undeclared counter is only flagged', async () => {
  const [b, h] = runs(
    [counter('capacity', 4096, 'higher'), counter('words_read', 2, 'lower'), counter('xchg', 1)],
    [counter('capacity', 262144, 'higher'), counter('words_read', 2, 'lower'), counter('xchg', 2)],
  );
  const r = await compareIn([b, h, '--fail-on', 'regression']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /capacity.*counter grew: the work changed \(better\)/s);
  assert.match(r.stdout, /counter grew: the work changed \(no direction declared: flagged, not judged\)/);
  const [b2, h2] = runs([counter('words_read', 2, 'lower')], [counter('words_read', 3, 'lower')]);
  const worse = await compareIn([b2, h2, '--fail-on', 'regression']);
  assert.equal(worse.code, 1, worse.stdout);
  assert.match(worse.stdout, /\(worse\)/);
  // a capacity that shrank is a regression
  const [b3, h3] = runs([counter('capacity', 4096, 'higher')], [counter('capacity', 1024, 'higher')]);
  assert.equal((await compareIn([b3, h3, '--fail-on', 'regression'])).code, 1);
});

test('direction: a timing that is better higher (a throughput) fails the gate when it falls, not when it rises', async () => {
  const row = (seed: number, centre: number): RowSpec => ({
    variant: '2-level',
    metric: 'events_per_us',
    unit: 'events/us',
    better: 'higher',
    samples: timings(seed, centre, { rounds: 10 }),
  });
  const [b, h] = runs([row(1, 100)], [row(2, 120)]);
  assert.equal((await compareIn([b, h, '--fail-on', 'regression'])).code, 0);
  const [b2, h2] = runs([row(1, 100)], [row(2, 80)]);
  assert.equal((await compareIn([b2, h2, '--fail-on', 'regression'])).code, 1);
});

const timed = (seed: number, centre: number, extra: Partial<RowSpec> = {}): RowSpec => ({
  variant: '2-level',
  metric: 'deliver',
  samples: timings(seed, centre, { rounds: 10 }),
  ...extra,
});

test('unknown: a 10% change measured while head had a CPU more of other work is not called slower', async () => {
  const [b, h] = runs(
    [timed(1, 100, { contention: { others_busy_cpus: 0.1, cpu_some_pct: 5, steal_pct: 0 } })],
    [timed(2, 110, { contention: { others_busy_cpus: 1.1, cpu_some_pct: 8, steal_pct: 0 } })],
  );
  const r = await compareIn([b, h, '--fail-on', 'regression', '--format', 'json']);
  assert.equal(r.code, 0, r.stdout);
  const row = (JSON.parse(r.stdout) as { rows: { verdict: string; reason: string }[] }).rows[0]!;
  assert.equal(row.verdict, 'unknown');
  assert.match(
    row.reason,
    /head ran under more contention: 0\.10 other CPUs busy in base, 1\.10 other CPUs busy in head/,
  );
  // the same change under alike contention is a change
  const [b2, h2] = runs(
    [timed(1, 100, { contention: { others_busy_cpus: 0.1 } })],
    [timed(2, 110, { contention: { others_busy_cpus: 0.2 } })],
  );
  assert.equal((await compareIn([b2, h2, '--fail-on', 'regression'])).code, 1);
});

const moded = (seed: number, slowWorkers: number): RowSpec => ({
  variant: '2-level',
  metric: 'deliver',
  samples: timings(seed, 7, { rounds: 10 }).map((w, i) => (i < slowWorkers ? w.map((x) => x * 1.6) : w)),
});

test('unknown: no base worker in the slow mode and 8 of 10 head workers (which mode base is in cannot be told)', async () => {
  const [b, h] = runs([moded(1, 0)], [moded(2, 8)]);
  const r = await compareIn([b, h, '--fail-on', 'regression']);
  assert.equal(r.code, 0, r.stdout);
  assert.match(
    r.stdout,
    /unknown: the sides' workers are in different speed modes: slow mode \(\+[56]\d%\): base 0 of 10 workers, head 8 of 10/,
  );
  assert.match(r.stdout, /1 unknown \(not measured alike\)/);
});

test('within modes: 2 of 10 base workers slow and 8 of 10 head workers, the same code, is no change', async () => {
  const [b, h] = runs([moded(1, 2)], [moded(2, 8)]);
  const r = await compareIn([b, h, '--fail-on', 'regression', '--format', 'json']);
  assert.equal(r.code, 0, r.stdout);
  const row = (JSON.parse(r.stdout) as { rows: { verdict: string; mixture: string; ratio: number }[] }).rows[0]!;
  assert.match(row.mixture, /compared within modes \(fast 8\+2, slow 2\+8\)/);
  assert.notEqual(row.verdict, 'slower');
  assert.ok(Math.abs(row.ratio - 1) < 0.03, `ratio ${row.ratio}`);
});

test('files written before the direction, modes and contention columns are still read', async () => {
  const [b, h] = runs([timed(1, 100), counter('words', 2)], [timed(2, 110), counter('words', 3)]);
  for (const dir of [b, h]) {
    const file = join(dir, 'evtchn.csv');
    const recs = parse(readFileSync(file, 'utf8'), { columns: true }) as Record<string, string>[];
    const old = Object.keys(recs[0]!).filter((c) => !OPTIONAL_SUMMARY_COLUMNS.includes(c));
    writeFileSync(file, stringify(recs, { header: true, columns: old }));
  }
  const r = await compareIn([b, h, '--fail-on', 'regression']);
  assert.equal(r.code, 1, r.stdout + r.stderr); // the timing is better lower even without the column
  assert.match(r.stdout, /slower/);
  assert.match(r.stdout, /no direction declared/);
});

test('--decision mwu keeps the older rule; --until-resolved refuses what it cannot do', async () => {
  const [b, h] = runs([timed(1, 100)], [timed(2, 110)]);
  const r = await compareIn([b, h, '--decision', 'mwu']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /Mann-Whitney U over per-worker medians/);
  assert.match((await compareIn([b, h])).stdout, /Welch interval of the log ratio/);
  const bad = await compareIn([b, h, '--until-resolved', '--decision', 'mwu']);
  assert.equal(bad.code, 2);
  const paths = await compareIn([b, h, '--until-resolved']);
  assert.equal(paths.code, 2);
  assert.match(paths.stderr, /must both be git refs/);
});
