import { test } from 'node:test';
import assert from 'node:assert/strict';
import { E64, hasForeignBit } from '../../src/p2m/entry.js';
import { extraOf, PFNS_PER_GIB } from '../../src/p2m/layout.js';
import { generate, OP_SET } from '../../src/p2m/load.js';
import { foreignAtSuspend, migrateAlongLoad } from '../../src/p2m/toolstack.js';
import { dumpCoreAlongLoad } from '../../src/p2m/dumpcore.js';
import { build, NAMES } from './helpers.js';

const hotplug = { guest: 64, gib: 16, mem: 4, layout: 'hotplug', load: 'driver' };
const dense = { guest: 64, gib: 4, layout: 'dense', load: 'driver' };

/** replay the load's sets over a Map of the entries the guest holds (boot: RAM mapped, extra INVALID) */
function replay(params: typeof hotplug | typeof dense) {
  const load = generate(params, 1);
  const held = new Map<number, number>();
  let mapsOnBallooned = 0;
  let maps = 0;
  let unmapsOfForeign = 0;
  let invalid = 0;
  const extra = extraOf(load.layout);
  const inExtra = (pfn: number) => extra.some((x) => pfn >= x.start && pfn < x.end);
  const grantPfns: number[] = [];
  for (let i = 0; i < load.ops.length; i++) {
    if (load.ops[i] !== OP_SET) continue;
    const pfn = load.pfns[i]!;
    const e = load.values[i]!;
    const before = held.get(pfn) ?? (inExtra(pfn) ? E64.INVALID : 0);
    if (hasForeignBit(E64, e)) {
      maps++;
      grantPfns.push(pfn);
      if (before === E64.INVALID) mapsOnBallooned++;
    } else if (e === E64.INVALID) {
      invalid++;
      if (hasForeignBit(E64, before)) unmapsOfForeign++;
    }
    held.set(pfn, e);
  }
  return { load, maps, mapsOnBallooned, unmapsOfForeign, invalid, grantPfns, extra };
}

test('driver load: every grant maps a ballooned page (INVALID entry), and unmaps clear FOREIGN entries', () => {
  for (const params of [hotplug, dense]) {
    const r = replay(params);
    assert.ok(r.maps > 100, `${params.layout}: grant maps ${r.maps}`);
    assert.equal(r.mapsOnBallooned, r.maps, `${params.layout}: set_foreign_p2m_mapping wants a ballooned page`);
    assert.ok(r.unmapsOfForeign > 0 && r.unmapsOfForeign < r.invalid, `${params.layout}: unmaps and zaps`);
  }
});

test('driver load: grant pages come off the balloon list, the top of the extra memory first', () => {
  const r = replay(hotplug);
  const end = r.extra[r.extra.length - 1]!.end;
  assert.equal(end, 16 * PFNS_PER_GIB);
  const distinct = [...new Set(r.grantPfns)];
  assert.equal(Math.max(...distinct), end - 1);
  assert.equal(Math.min(...distinct), end - distinct.length, 'a contiguous run below the top');
});

test('driver domain migrated: the trees miss the leaves its grants install, the lists change nothing', () => {
  const r = replay(hotplug);
  const pfns = new Set(r.grantPfns);
  for (const name of ['tree3', 'tree4'] as const) {
    const out = migrateAlongLoad(build(name, r.load.layout), r.load, 8, { rewritesOnly: false });
    assert.ok(out.changes > 0 && out.missed === out.changes, `${name}: ${out.changes} changes, ${out.missed} missed`);
    const f = foreignAtSuspend(out.p2m, out.view, pfns);
    assert.ok(f.guest > 0);
    assert.equal(f.viaView, 0, `${name}: no grant seen as FOREIGN through the view`);
  }
  for (const name of ['linear', 'linear-3.19'] as const) {
    const out = migrateAlongLoad(build(name, r.load.layout), r.load, 8, { rewritesOnly: false });
    assert.equal(out.changes, 0, `${name}: private extra-memory leaves`);
    const f = foreignAtSuspend(out.p2m, out.view, pfns);
    assert.ok(f.guest > 0);
    assert.deepEqual([f.viaView, f.beyond], [f.guest, 0], `${name}: every grant read as FOREIGN`);
  }
});

test('xl dump-core while the guest runs: the same stale and missed pages whatever the p2m, and none on a quiet guest', () => {
  const load = generate({ guest: 64, gib: 8, mem: 2, layout: 'hotplug', load: 'migrate' }, 1);
  const quiet = { ...load, ops: load.ops.map((op) => (op === OP_SET ? 2 : op)) }; // no sets at all
  const seen = new Set<string>();
  for (const name of NAMES) {
    const d = dumpCoreAlongLoad(build(name, load.layout), load);
    assert.equal(d.pages, 2 * PFNS_PER_GIB, `${name}: the RAM's pages are recorded`);
    assert.ok(d.stale > 0 && d.stale < d.changes, `${name}: ${d.stale} stale of ${d.changes}`);
    assert.ok(d.missed > 0, `${name}: the balloon's first touches during the dump are missed`);
    seen.add(`${d.stale}/${d.missed}`);
    const q = dumpCoreAlongLoad(build(name, load.layout), quiet);
    assert.deepEqual([q.changes, q.stale, q.missed], [0, 0, 0], name);
  }
  assert.equal(seen.size, 1, 'a dump checks no generation: every variant writes the same stale pages');
});
