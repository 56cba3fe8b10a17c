import { test } from 'node:test';
import assert from 'node:assert/strict';
import { codec, LOADS, OP_SET } from '../../src/p2m/load.js';
import { runGate } from '../../src/p2m/gate.js';
import { build } from './helpers.js';

const params = (load: string) => ({ guest: 64, gib: 5, layout: 'pc', load });

test('loads are deterministic from the seed and round-trip through rows', () => {
  for (const load of LOADS) {
    const a = codec.generate(params(load), 11);
    const b = codec.generate(params(load), 11);
    assert.deepEqual(a, b);
    const c = codec.generate(params(load), 12);
    assert.notDeepEqual(a.pfns, c.pfns);
    const rows = codec.toRows(a).map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, String(v)])));
    const back = codec.fromRows(rows, params(load));
    assert.deepEqual(back.ops, a.ops);
    assert.deepEqual(back.pfns, a.pfns);
    assert.deepEqual(back.values, a.values);
    assert.ok(a.ops.some((o) => o === OP_SET));
  }
  assert.throws(() => codec.fromRows([{ op: 'poke', pfn: '1', value: '0' }], params('seq')), /op must be/);
});

test('every variant passes the gate on every load; a corrupted variant fails at the first differing op', () => {
  for (const load of LOADS) {
    for (const name of ['tree3', 'tree4', 'linear', 'linear-3.19'] as const) {
      const g = runGate(build(name, codec.generate(params(load), 3).layout), codec.generate(params(load), 3));
      assert.equal(g.ok, true, `${name} ${load}: ${JSON.stringify(g)}`);
    }
  }
  const l = codec.generate(params('random'), 3);
  const p = build('tree3', l.layout);
  const orig = p.raw.bind(p);
  const bad = l.pfns[10]!;
  p.raw = (pfn: number) => (pfn === bad ? 12345 : orig(pfn));
  const g = runGate(p, l);
  assert.equal(g.ok, false);
  if (!g.ok) assert.ok(g.at <= 10);
});
