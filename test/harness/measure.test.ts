// measure(): the clock bracket is subtracted, and a body's empty() loop becomes a gauge.
// No timing is asserted against a figure: only relations that hold on any machine.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clockOverhead, measure } from '../../src/harness/measure.js';

test('clockOverhead is the median of back-to-back reads of the clock it is given', () => {
  let t = 0;
  // a clock that advances 3 units a read, 7 on every 5th: the median pair is 3
  let reads = 0;
  const now = () => {
    reads++;
    return (t += reads % 5 === 0 ? 7 : 3);
  };
  assert.equal(clockOverhead(now, 101), 3);
});

test('a body with empty() gets a <metric>_harness gauge, one without does not', async () => {
  const xs = new Int32Array(4096).map((_, i) => i);
  const body = {
    metric: 'sum',
    unit: 'ns/op',
    ops: xs.length,
    run: () => {
      let acc = 0;
      for (let i = 0; i < xs.length; i++) acc = (acc + Math.imul(xs[i]!, 2654435761)) | 0;
      return acc;
    },
    empty: () => {
      let acc = 0;
      for (let i = 0; i < xs.length; i++) acc = (acc + xs[i]!) | 0;
      return acc;
    },
  };
  const plain = { metric: 'plain', unit: 'ns/op', ops: 1, run: () => 1 };
  const { timings, harness } = await measure([body, plain], { timeMs: 20, maxWarmupMs: 50 });
  assert.deepEqual(
    timings.map((t) => t.metric),
    ['sum', 'plain'],
  );
  assert.deepEqual(
    harness.map((h) => h.metric),
    ['clock_overhead', 'sum_harness'],
  );
  for (const h of harness) assert.ok(Number.isFinite(h.value) && h.value >= 0, `${h.metric} = ${h.value}`);
  // the clock is subtracted, never more than the whole sample: no sample goes negative
  for (const t of timings) assert.ok(t.samples.every((x) => x >= 0));
});
