import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encoding } from '../../src/p2m/entry.js';
import { bootMfn, namedLayout, PFNS_PER_GIB, type Layout } from '../../src/p2m/layout.js';
import { OP_SET, type P2mLoad } from '../../src/p2m/load.js';
import { migrateAlongLoad } from '../../src/p2m/toolstack.js';
import { build, NAMES } from './helpers.js';

const E = encoding(64);
const G = PFNS_PER_GIB;

function setsLoad(layout: Layout, sets: ReadonlyArray<readonly [number, number]>): P2mLoad {
  return {
    width: 64,
    gib: layout.span / G,
    layoutName: 'test',
    layout,
    kind: 'migrate',
    ops: Uint8Array.from(sets, () => OP_SET),
    pfns: Float64Array.from(sets, ([p]) => p),
    values: Float64Array.from(sets, ([, v]) => v),
  };
}

test('a pfn ballooned out after the first send is never sent again: the destination keeps its frame (every variant)', () => {
  const L = namedLayout('dense', 2);
  const load = setsLoad(L, [
    [100, E.INVALID], // decrease_reservation: Xen marks no target
    [200, 0x1234567 + E.FOREIGN], // a grant mapped over a RAM page
  ]);
  for (const name of NAMES) {
    const d = migrateAlongLoad(build(name, L), load, 2, { rewritesOnly: false }).destination;
    assert.deepEqual([d.changed, d.unsent, d.leaked, d.lost], [2, 2, 2, 0], name);
  }
});

test('a page the guest writes after getting a new frame is sent again; two stores into one p2m page in one round dirty it once', () => {
  const L = namedLayout('dense', 2);
  const load = setsLoad(L, [
    [10, 0x2000000],
    [11, 0x2000001], // same leaf, same round
    [12, 0x2000002], // same leaf, the next round
    [13, E.INVALID],
  ]);
  for (const name of NAMES) {
    const o = migrateAlongLoad(build(name, L), load, 2, { rewritesOnly: false });
    assert.equal(o.destination.p2mPageResends, 2, name);
    assert.deepEqual([o.destination.unsent, o.destination.leaked, o.destination.lost], [1, 1, 0], name);
  }
});

test('a balloon populate into the extra memory: the lists send it, the trees read it through p2m_missing or not at all', () => {
  const L = namedLayout('hotplug', 4, 1); // 1 GiB RAM, 3 GiB extra
  const load = setsLoad(L, [
    [G + 5, 0x3000000], // the first missing GiB: tree3's view keeps it, through p2m_missing
    [3 * G + 5, 0x3000001], // beyond tree3's trimmed view
    [7, bootMfn(7) + 1],
  ]);
  const lost = Object.fromEntries(
    NAMES.map((n) => [n, migrateAlongLoad(build(n, L), load, 2, { rewritesOnly: false }).destination.lost]),
  );
  assert.deepEqual(lost, { tree3: 2, tree4: 2, linear: 0, 'linear-3.19': 0 });
});
