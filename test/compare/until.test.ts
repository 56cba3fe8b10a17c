// The decisions of `compare --until-resolved` (src/compare/until.ts), pure, and the loop they
// drive, simulated on seeded workers through the real judge: a 5% change settles as slower, no
// change settles inside ±threshold, a change sitting on the threshold is left undecided.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { judgePairs } from '../../src/compare/judge.js';
import type { SummaryRec } from '../../src/compare/read.js';
import { DEFAULTS, type Pair, type RowResult } from '../../src/compare/types.js';
import { alphaForLook, markUndecided, narrowArgs, nextStep, openRows } from '../../src/compare/until.js';
import { Rng } from '../../src/harness/rng.js';
import { gaussian } from './fixture.js';

const row = (o: Partial<RowResult>): RowResult =>
  ({
    suite: 'evtchn',
    variant: '2-level',
    case: 'ports=64',
    metric: 'deliver',
    kind: 'timing',
    resolution: 'open',
    verdict: 'same',
    reason: '',
    ...o,
  }) as RowResult;

test('the looks share α: α/2, α/6, α/12, … never adds up past α', () => {
  assert.equal(alphaForLook(0.05, 1), 0.025);
  let sum = 0;
  for (let k = 1; k <= 1000; k++) sum += alphaForLook(0.05, k);
  assert.ok(sum < 0.05 && sum > 0.0499);
});

test('next step: stop when nothing is open or the next batch would overrun the budget, else run the open rows', () => {
  const base = {
    look: 1,
    elapsedMs: 1000,
    budgetMs: 60_000,
    lastBatchMs: 10_000,
    benchArgs: ['--rounds', '1', '--aa'],
  };
  assert.deepEqual(nextStep({ ...base, open: [] }), { action: 'stop', why: 'every row resolved' });
  const late = nextStep({ ...base, open: [row({})], elapsedMs: 55_000 });
  assert.equal(late.action, 'stop');
  assert.match((late as { why: string }).why, /budget: 5 s left, a batch takes about 10 s; 1 row\(s\) undecided/);
  const go = nextStep({ ...base, open: [row({}), row({ variant: 'N-level' })] });
  assert.deepEqual(go, {
    action: 'run',
    benchArgs: ['--rounds', '1', '--aa', '--suite', 'evtchn', '--variant', '2-level,N-level', '--case', 'ports=64'],
  });
});

test('narrowing: one suite narrows variants and a shared case; several suites only the suites; user selections replaced', () => {
  assert.deepEqual(narrowArgs([row({}), row({ case: 'ports=4096' })], ['--suite', 'evtchn', '--case=ports', '--aa']), [
    '--aa',
    '--suite',
    'evtchn',
    '--variant',
    '2-level',
  ]);
  assert.deepEqual(narrowArgs([row({}), row({ suite: 'p2m', variant: 'tree3' })], []), ['--suite', 'evtchn,p2m']);
});

test('an open row at the end is undecided, never "no change"; settled and failed rows are left alone', () => {
  const rows = [
    row({}),
    row({ resolution: 'inside' }),
    row({ verdict: 'failed' }),
    row({ kind: 'counter', resolution: undefined }),
  ];
  assert.equal(openRows(rows).length, 2);
  markUndecided(rows, 'budget');
  assert.deepEqual(
    rows.map((r) => r.verdict),
    ['undecided', 'same', 'failed', 'same'],
  );
  assert.match(rows[0]!.reason, /straddles ±threshold \(budget\)/);
});

function rec(metric: string): SummaryRec {
  return {
    suite: 'evtchn',
    variant: '2-level',
    case: 'ports=64',
    metric,
    unit: 'ns/event',
    kind: 'timing',
    status: 'ok',
    n: 1,
    mean: 1,
    median: 1,
    seed: '1',
    load: 'l@1',
    commit: 'c',
    dirty: 'false',
    aaBandPct: undefined,
    detail: '',
    env: {} as SummaryRec['env'],
    better: 'lower',
    contention: undefined,
  };
}

test('the loop on seeded workers: 5% settles slower, 0% settles inside ±2%, 2% stays undecided', () => {
  const rng = new Rng(99);
  const shifts: Record<string, number> = { five: 1.05, none: 1, edge: 1.02 };
  const worker = (centre: number) => Array.from({ length: 20 }, () => centre * Math.exp(0.01 * gaussian(rng)));
  const sides = new Map(Object.keys(shifts).map((m) => [m, { b: [] as number[][], h: [] as number[][] }]));
  const add = (m: string, k: number) => {
    for (let i = 0; i < k; i++) {
      sides.get(m)!.b.push(worker(7));
      sides.get(m)!.h.push(worker(7 * shifts[m]!));
    }
  };
  for (const m of Object.keys(shifts)) add(m, 10);
  const judge = (look: number) => {
    const pairs: Pair[] = Object.keys(shifts).map((m) => ({
      suite: 'evtchn',
      variant: '2-level',
      case: 'ports=64',
      metric: m,
      base: rec(m),
      head: rec(m),
      baseSamples: sides.get(m)!.b,
      headSamples: sides.get(m)!.h,
    }));
    return judgePairs(
      pairs,
      { base: 'b', head: 'h', mode: 'runs' },
      { ...DEFAULTS, alphaShare: alphaForLook(1, look) },
    );
  };
  let look = 1;
  let cmp = judge(look);
  let why = '';
  for (;;) {
    const step = nextStep({
      look,
      open: openRows(cmp.rows),
      elapsedMs: look,
      budgetMs: 12,
      lastBatchMs: 1,
      benchArgs: [],
    });
    if (step.action === 'stop') {
      why = step.why;
      break;
    }
    for (const r of openRows(cmp.rows)) add(r.metric, 4);
    cmp = judge(++look);
  }
  markUndecided(cmp.rows, why);
  const verdict = Object.fromEntries(cmp.rows.map((r) => [r.metric, r.verdict]));
  assert.deepEqual(
    verdict,
    { five: 'slower', none: 'same', edge: 'undecided' },
    JSON.stringify(cmp.rows.map((r) => [r.metric, r.ciLo, r.ciHi])),
  );
  assert.equal(cmp.rows.find((r) => r.metric === 'none')!.resolution, 'inside');
});
