import { test } from 'node:test';
import assert from 'node:assert/strict';
import { E64, hasForeignBit } from '../../src/p2m/entry.js';
import { extraOf, namedLayout, PFNS_PER_GIB } from '../../src/p2m/layout.js';
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

test('xl dump-core reads each entry just before its copy: the trees miss what they read through p2m_missing, the lists nothing', () => {
  const load = generate({ guest: 64, gib: 8, mem: 2, layout: 'hotplug', load: 'migrate' }, 1);
  const quiet = { ...load, ops: load.ops.map((op) => (op === OP_SET ? 2 : op)) }; // no sets at all
  const missed: Record<string, number> = {};
  for (const name of NAMES) {
    const d = dumpCoreAlongLoad(build(name, load.layout), load);
    assert.equal(d.pages, 2 * PFNS_PER_GIB, `${name}: nr_pages is the RAM at the start`);
    assert.equal(d.stale, 0, `${name}: no leaf holding own frames is replaced`);
    missed[name] = d.missed - d.overflow;
    const q = dumpCoreAlongLoad(build(name, load.layout), quiet);
    assert.deepEqual([q.changes, q.stale, q.missed], [0, 0, 0], name);
  }
  // beside the pages beyond nr_pages, which every variant drops alike
  assert.ok(missed['tree3']! > 0 && missed['tree3'] === missed['tree4'], JSON.stringify(missed));
  assert.deepEqual([missed['linear'], missed['linear-3.19']], [0, 0]);
});

test('xl dump-core: pages the guest gains during the dump beyond nr_pages are dropped', () => {
  const L = namedLayout('hotplug', 4, 1);
  const pfns = Array.from({ length: 10 }, (_, i) => PFNS_PER_GIB + 1000 * i); // the extra memory, copied last
  const load = {
    ...generate({ guest: 64, gib: 4, mem: 1, layout: 'hotplug', load: 'balloon' }, 1),
    ops: Uint8Array.from(pfns, () => OP_SET),
    pfns: Float64Array.from(pfns),
    values: Float64Array.from(pfns, (_, i) => 0x3000000 + i),
  };
  const lin = dumpCoreAlongLoad(build('linear', L), load);
  assert.deepEqual([lin.stale, lin.missed, lin.overflow], [0, 10, 10]);
  const t4 = dumpCoreAlongLoad(build('tree4', L), load);
  assert.deepEqual([t4.stale, t4.missed, t4.overflow], [0, 10, 0]); // read through p2m_missing: absent
});
