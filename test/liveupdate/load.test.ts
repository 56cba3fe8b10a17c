import assert from 'node:assert/strict';
import { test } from 'node:test';
import suite from '../../bench/liveupdate.js';
import { caseParams, codec } from '../../src/liveupdate/load.js';
import { prepare, runnable } from '../suite-helpers.js';
import { SMALL } from './helpers.js';

test('the same seed gives the same load; the rows written by --dump-load read back to it', () => {
  const a = codec.generate(SMALL, 7);
  const b = codec.generate(SMALL, 7);
  assert.deepEqual(a.shape.mem.target, b.shape.mem.target);
  assert.deepEqual(a.ops, b.ops);
  const rows = codec.toRows(a).map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, String(v)])));
  const back = codec.fromRows(rows, SMALL);
  assert.deepEqual(back.ops, a.ops);
  assert.deepEqual(back.sendPorts, a.sendPorts);
  assert.equal(back.sendPhase, a.sendPhase);
  assert.deepEqual(back.shape.mem.target, a.shape.mem.target);
});

test('bad parameters and rows are refused with what would be right', () => {
  assert.throws(() => caseParams({ ...SMALL, gib: 100 }), /gib must be .* between 1\/64 and 64/);
  assert.throws(() => caseParams({ ...SMALL, procs: 0 }), /procs must be an integer in 1\.\.10000/);
  assert.throws(() => caseParams({ ...SMALL, vcpus: 99 }), /vcpus must be an integer/);
  assert.throws(() => caseParams({ ...SMALL, pageinfo: 'x' }), /pageinfo must be 'same' .* or 'grown'/);
  assert.throws(() => codec.generate({ ...SMALL, gib: 1 / 64, procs: 10000, vcpus: 1 }, 1), /do not fit in a guest/);
  const rows = [
    { kind: 'shape', value: '1' },
    { kind: 'access', value: '0' },
  ];
  assert.throws(() => codec.fromRows(rows, SMALL), /row 1: an access names the frame of an L1 table|send row/);
});

test('a case end to end: the timed body re-arms and reruns the update, and returns a number', async () => {
  for (const v of ['stream-pinned', 'demand', 'transform']) {
    const p = runnable(await prepare(suite, v, SMALL));
    assert.ok(p.gate().ok);
    const [t] = p.timed();
    assert.ok(t);
    assert.equal(t.metric, 'per_unit');
    assert.ok(t.ops > 0);
    t.setup?.();
    const a = t.run();
    t.setup?.();
    assert.equal(t.run(), a, `${v}: the same work each time`);
  }
  const w = runnable(await prepare(suite, 'walk', SMALL));
  assert.equal(w.gate().ok, false);
});
