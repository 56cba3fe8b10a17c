// Contention sampling on made-up /proc contents: what each column means, computed by hand.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  between,
  CONTENTION_COLUMNS,
  type ContentionSnapshot,
  contentionColumns,
  parseProcStat,
  parsePsiSomeTotal,
  startWindow,
} from '../../src/harness/contention.js';
import { OPTIONAL_SUMMARY_COLUMNS, SUMMARY_COLUMNS } from '../../src/harness/schema.js';
import { cli, readCsv, tempDir } from './helpers.js';

const STAT = (user: number, idle: number, steal: number) =>
  `cpu  ${user} 0 ${user / 2} ${idle} 0 0 0 ${steal} 0 0\ncpu0 1 0 0 1 0 0 0 0 0 0\ncpu1 1 0 0 1 0 0 0 0 0 0\nintr 1\n`;

test('/proc/stat: busy is user+nice+system+irq+softirq, total adds idle, iowait and steal', () => {
  const t = parseProcStat('cpu  10 1 5 100 2 3 4 7 9 0\ncpu0 1\ncpu1 0\ncpu2 0 0\n');
  assert.deepEqual(t, { busy: 23, total: 132, steal: 7, cpus: 3 });
  assert.equal(parseProcStat('no cpu line here'), undefined);
});

test('/proc/pressure/cpu: the some line total in µs; absent → undefined', () => {
  const psi = 'some avg10=1.00 avg60=0.50 avg300=0.10 total=123456\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=0\n';
  assert.equal(parsePsiSomeTotal(psi), 123456);
  assert.equal(parsePsiSomeTotal(''), undefined);
});

test('a window: steal share, other CPUs busy net of our own CPU time, PSI share of wall time', () => {
  // 1 s of wall time on 2 CPUs = 200 jiffies: 150 busy (user 100 + system 50), 30 idle, 20 stolen
  const a: ContentionSnapshot = { wallUs: 0, selfUs: 0, cpu: parseProcStat(STAT(0, 0, 0)), psiSomeUs: 1_000 };
  const b: ContentionSnapshot = {
    wallUs: 1_000_000,
    selfUs: 1_000_000, // we used one whole CPU ourselves
    cpu: parseProcStat(STAT(100, 30, 20)),
    psiSomeUs: 251_000,
  };
  const c = between(a, b, 1.5);
  assert.equal(c.stealPct, 10);
  assert.ok(Math.abs(c.othersBusyCpus! - 0.5) < 1e-9, String(c.othersBusyCpus)); // 1.5 CPUs busy − our 1.0
  assert.equal(c.cpuSomePct, 25);
  assert.equal(c.loadavg, 1.5);
  // a machine without /proc: nothing is made up
  const none = between(
    { ...a, cpu: undefined, psiSomeUs: undefined },
    { ...b, cpu: undefined, psiSomeUs: undefined },
    null,
  );
  assert.deepEqual(none, { cpuSomePct: null, stealPct: null, othersBusyCpus: null, loadavg: null });
});

test('a row’s columns are means over its workers; a measure no worker had is empty', () => {
  const cols = contentionColumns([
    { cpuSomePct: 10, stealPct: null, othersBusyCpus: 0.2, loadavg: 1 },
    { cpuSomePct: 30, stealPct: null, othersBusyCpus: 0.4, loadavg: 3 },
    undefined,
  ]);
  assert.deepEqual(cols, { cpu_some_pct: 20, steal_pct: '', others_busy_cpus: 0.3, loadavg: 2 });
});

test('the columns are at the end of the summary schema, and optional for readers of older files', () => {
  const tail = SUMMARY_COLUMNS.slice(-OPTIONAL_SUMMARY_COLUMNS.length);
  assert.deepEqual([...tail], [...OPTIONAL_SUMMARY_COLUMNS]);
  for (const c of CONTENTION_COLUMNS) assert.ok(OPTIONAL_SUMMARY_COLUMNS.includes(c), c);
});

test('a live window on this machine gives values in range (Linux) or nulls', () => {
  const close = startWindow();
  let x = 0;
  for (let i = 0; i < 1e6; i++) x += i % 7;
  const c = close();
  assert.ok(x > 0);
  for (const v of [c.cpuSomePct, c.stealPct]) assert.ok(v === null || (v >= 0 && v <= 100), String(v));
  assert.ok(c.othersBusyCpus === null || c.othersBusyCpus >= 0);
});

test('a bench run writes direction and contention into every ok row of a timed variant', async () => {
  const out = join(tempDir(), 'run');
  const r = await cli(['--rounds', '1', '--time', '5', '--variant', 'good', '--out', out]);
  assert.equal(r.code, 0, r.err);
  const rows = readCsv(join(out, 'toy.csv')).filter((x) => x.status === 'ok');
  assert.ok(rows.length > 0);
  for (const row of rows) {
    assert.equal(row.better, row.kind === 'timing' ? 'lower' : '', `${row.metric} ${row.kind}`);
    if (process.platform === 'linux') {
      for (const c of ['steal_pct', 'others_busy_cpus', 'loadavg']) assert.ok(Number(row[c]) >= 0, `${c}=${row[c]}`);
    }
    assert.equal(row.modes, '', 'one worker per row: no modes');
  }
});
