// A suite's declared counter directions reach the rows: `--fail-on regression` then fails a
// counter that moved the worse way only (a grown capacity is no regression).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import evtchn from '../../bench/evtchn.js';
import pvclock from '../../bench/pvclock.js';
import { caseRows, type VariantAcc } from '../../src/harness/caserows.js';
import { betterOf } from '../../src/harness/kit.js';
import type { SummaryRow } from '../../src/harness/schema.js';

test('betterOf: exact names first, then * patterns; nothing declared is undefined', () => {
  const t = { capacity: 'higher', '*_worst_warp': 'lower', 'hc_*': 'lower' } as const;
  assert.equal(betterOf(t, 'capacity'), 'higher');
  assert.equal(betterOf(t, 'explore_syscallmix_worst_warp'), 'lower');
  assert.equal(betterOf(t, 'hc_register'), 'lower');
  assert.equal(betterOf(t, 'gate_checked'), undefined);
  assert.equal(betterOf(t, 'worst_warp_x'), undefined);
  assert.equal(betterOf(undefined, 'capacity'), undefined);
  assert.equal(betterOf(evtchn.better, 'capacity'), 'higher');
  assert.equal(betterOf(evtchn.better, 'bytes_read'), 'lower');
  assert.equal(betterOf(pvclock.better, 'explore_worst_warp'), 'lower');
});

test('a counter row carries the declared direction, and its own better wins', () => {
  const v: VariantAcc = {
    counters: new Map([
      ['capacity', { unit: 'ports', kind: 'counter', values: [4096], detail: '' }],
      ['bytes_read', { unit: 'bytes/event', kind: 'counter', values: [3], detail: '', better: 'higher' }],
      ['gate_checked', { unit: 'observations', kind: 'counter', values: [9], detail: '' }],
    ]),
    contention: [],
    timings: new Map(),
    checked: 9,
  };
  const rows = caseRows({} as SummaryRow, v, (m) => betterOf(evtchn.better, m));
  const by = Object.fromEntries(rows.map((r) => [r.metric, r.better]));
  assert.deepEqual(by, { capacity: 'higher', bytes_read: 'higher', gate_checked: '' });
});
