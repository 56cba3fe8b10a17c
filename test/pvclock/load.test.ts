import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pvclockLoad } from '../../src/pvclock/load.js';
import { LOAD_KINDS, parseCase } from '../../src/pvclock/case.js';
import suite from '../../bench/pvclock.js';
import { caseKey } from '../../src/harness/kit.js';

test('loads are deterministic from the seed and survive the CSV round trip', () => {
  for (const load of LOAD_KINDS) {
    for (const scheme of ['master', 'nomaster']) {
      const params = { scheme, vcpus: 4, load, delta: -1000, rate: 20 };
      const a = pvclockLoad.generate(params, 42);
      assert.deepEqual(pvclockLoad.generate(params, 42), a);
      const rows = pvclockLoad
        .toRows(a)
        .map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, String(v)])));
      assert.deepEqual(pvclockLoad.fromRows(rows, params), a);
    }
  }
});

test('rebase storms carry the sign of delta; halt0 wakes vCPU0 between two rebases', () => {
  const neg = pvclockLoad.generate({ scheme: 'master', vcpus: 2, load: 'rebase', delta: -1000 }, 1);
  assert.ok(neg.hostOps.length > 0 && neg.hostOps.every((o) => o.op === 'rebase' && o.arg <= 0));
  const pos = pvclockLoad.generate({ scheme: 'master', vcpus: 2, load: 'rebase', delta: 1000 }, 1);
  assert.ok(pos.hostOps.every((o) => o.arg >= 0));
  const h = pvclockLoad.generate({ scheme: 'master', vcpus: 4, load: 'halt0', delta: 1000 }, 1);
  assert.deepEqual(
    h.hostOps.map((o) => o.op),
    ['rebase', 'wake0', 'rebase'],
  );
});

test('a bad row names the valid ops', () => {
  assert.throws(
    () => pvclockLoad.fromRows([{ who: 'host', op: 'explode', after: '1', arg: '0' }], { vcpus: 2, load: 'rebase' }),
    /one of rebase, drift/,
  );
});

test('default grid: 5-9 readable cases: both signs under the masterclock, the revert case, KVM_SET_CLOCK; no masterclock in --full', () => {
  const g = suite.grid('default');
  assert.ok(g.length >= 5 && g.length <= 9);
  const keys = g.map(caseKey);
  assert.ok(keys.includes('scheme=master,vcpus=2,load=rebase,delta=-1000,tick=50,explore=4000'));
  assert.ok(
    g.some((p) => p['scheme'] === 'master' && Number(p['delta']) < 0) &&
      g.some((p) => p['scheme'] === 'master' && Number(p['delta']) > 0),
  );
  assert.ok(g.some((p) => p['load'] === 'revert' && p['host'] === '4.0'));
  assert.ok(g.some((p) => p['load'] === 'setclock' && p['host'] === '4.9'));
  const full = suite.grid('full');
  assert.ok(full.some((p) => p['vcpus'] === 16));
  assert.ok(full.some((p) => p['scheme'] === 'nomaster'));
  assert.ok(full.some((p) => p['load'] === 'revert' && p['host'] === '5.16'));
});

test('case parameters are parsed once, with one set of defaults, and a bad value is named', () => {
  assert.deepEqual(parseCase({}), {
    scheme: 'master',
    vcpus: 2,
    load: 'readers',
    delta: 0,
    rate: 10,
    explore: 4000,
    host: '5.16',
    tick: 0,
    bound: 2,
    hostwrite: false,
    force0: false,
    age: 0,
    offset: [0, 0],
    driftPpb: [0, 0],
    xticks: 0,
    createdAtNs: [0, 0],
  });
  assert.throws(() => parseCase({ scheme: 'nomastr' }), /scheme=nomastr is not valid \(one of master, nomaster\)/);
  assert.throws(() => parseCase({ vcpus: 0 }), /vcpus=0 is not valid/);
  assert.throws(() => parseCase({ load: 'storm' }), /one of readers, periodic/);
  assert.throws(() => parseCase({ host: '4.1' }), /host=4.1 is not valid \(one of 4.0, 4.9, 5.16\)/);
});
