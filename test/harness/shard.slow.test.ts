// --shard I/N splits the plan into whole, balanced cases, deterministically; compare joins a
// folder of the N shard runs into one run and refuses a missing or overlapping shard; so does
// the report. A slow test (four bench runs of the toy suite's full grid): CI runs it, `npm test
// -- --slow` does here.
import assert from 'node:assert/strict';
import { cpSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { compareIn } from '../compare/fixture.js';
import { gather } from '../../src/report/gather.js';
import { readRun, rowKey, samplesOf } from '../../src/report/read.js';
import { cli, tempDir } from './helpers.js';

const RUN = ['--full', '--variant', 'good,slow', '--rounds', '1', '--time', '2'];

test('3 shards merge into the same rows as an unsharded run; a missing or overlapping shard is refused', async () => {
  const dir = tempDir();
  const whole = join(dir, 'whole');
  assert.equal((await cli([...RUN, '--out', whole])).code, 0);
  const shards = join(dir, 'shards');
  for (const i of [1, 2, 3]) {
    const r = await cli([...RUN, '--shard', `${i}/3`, '--out', join(shards, `s${i}`)]);
    assert.equal(r.code, 0, r.err);
  }
  const cases = [1, 2, 3].map(
    (i) => JSON.parse(readFileSync(join(shards, `s${i}`, 'manifest.json'), 'utf8')).shard.cases as string[],
  );
  assert.deepEqual(cases.flat().sort(), ['toy words=16', 'toy words=256', 'toy words=64']);
  const r = await compareIn([whole, shards, '--format', 'json']);
  assert.equal(r.code, 0, r.stderr);
  const rows = (JSON.parse(r.stdout) as { rows: { verdict: string; kind: string }[] }).rows;
  // per (case, variant): one timing, one counter, and the harness's clock_overhead gauge
  assert.equal(rows.length, 3 * 2 * 3, 'every (variant, case, metric) on both sides');
  assert.ok(rows.every((x) => x.verdict !== 'only-base' && x.verdict !== 'only-head'));
  assert.ok(rows.filter((x) => x.kind === 'counter').every((x) => x.verdict === 'counter-same'));
  // the report joins them too: one run, the unsharded run's rows, every timing with its workers
  const joined = gather([shards], dir).runs;
  assert.equal(joined.length, 1);
  const one = joined[0]!;
  assert.equal(one.parts.length, 3);
  const keys = (rs: readonly { suite: string; variant: string; case: string; metric: string }[]) =>
    rs.map(rowKey).sort();
  assert.deepEqual(keys(one.rows), keys(readRun(whole).rows));
  const workers = samplesOf(one, 'toy');
  for (const r of one.rows.filter((x) => x.kind === 'timing')) assert.ok((workers.get(rowKey(r)) ?? []).length > 0);
  cpSync(join(shards, 's1'), join(shards, 's4'), { recursive: true });
  assert.throws(() => gather([shards], dir), /shard 1\/3 is both/);
  const overlap = await compareIn([whole, shards]);
  assert.equal(overlap.code, 2);
  assert.match(overlap.stderr, /overlapping shards: 1\/3 in .*s1 and .*s4/);
  rmSync(join(shards, 's4'), { recursive: true });
  rmSync(join(shards, 's3'), { recursive: true });
  const missing = await compareIn([whole, shards]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /missing shard 3\/3/);
  assert.throws(() => gather([shards], dir), /missing shard 3\/3/);
  const bad = await cli([...RUN, '--shard', '4/3']);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /--shard takes I\/N/);
});
