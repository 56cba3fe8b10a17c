import { test } from 'node:test';
import assert from 'node:assert/strict';
import suite from '../../bench/pvclock.js';
import { runGate } from '../../src/pvclock/gate.js';
import { generateLoad } from '../../src/pvclock/load.js';
import { parseCase } from '../../src/pvclock/case.js';
import { reader as percpu } from '../../src/pvclock/percpu.js';
import { reader as vcpu0 } from '../../src/pvclock/vcpu0.js';
import { LANE_VERSION } from '../../src/pvclock/pvti.js';
import type { ReaderVariant } from '../../src/pvclock/reader.js';

test('both readers pass the gate on every default case', () => {
  for (const params of suite.grid('default')) {
    for (const reader of [percpu, vcpu0]) {
      const { gate, state } = runGate(reader, parseCase(params), generateLoad(parseCase(params), 1), 1);
      assert.ok(gate.ok, `${reader.name} ${JSON.stringify(params)}: ${JSON.stringify(gate)}`);
      assert.ok(state.reads >= 1000);
    }
  }
});

test('a reader that skips the second version check fails the gate at the first read that differs', () => {
  // steps copied from vcpu0 but accepting whatever it read: a torn-prone reader
  const sloppy: ReaderVariant = {
    name: 'sloppy',
    create: vcpu0.create,
    *steps(env, obs) {
      const v = Atomics.load(env.lanes, LANE_VERSION);
      yield 'version';
      const g = vcpu0.steps(env, obs);
      let r = g.next();
      while (r.done !== true) {
        yield r.value;
        r = g.next();
      }
      obs.version = v; // claims the version seen first, not the one it validated
      return r.value;
    },
  };
  const params = { scheme: 'master', vcpus: 4, load: 'periodic', delta: 0, rate: 100 };
  const { gate } = runGate(sloppy, parseCase(params), generateLoad(parseCase(params), 3), 3);
  assert.equal(gate.ok, false);
  if (!gate.ok) {
    assert.ok(gate.at >= 0);
    assert.match(gate.expected, /BigInt reference/);
  }
});
