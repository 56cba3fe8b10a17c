import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { E64 } from '../../src/p2m/entry.js';
import { PFNS_PER_GIB, namedLayout } from '../../src/p2m/layout.js';
import { exploreWalk, WALK_OPTIONS } from '../../src/p2m/migration.js';
import { VARIANTS, build, smallPc } from './helpers.js';

test('p2m_generation: 0 at boot, even when idle, +2 per structural change, untouched by entry writes', () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.tuple(
          fc.integer({ min: 0, max: 3 * PFNS_PER_GIB - 1 }),
          fc.oneof(fc.integer({ min: 1, max: 2 ** 40 }), fc.constant(E64.INVALID)),
        ),
        { maxLength: 80 },
      ),
      (ops) => {
        const l = build('linear', smallPc());
        assert.equal(l.generation(), 0);
        for (const [pfn, e] of ops) {
          const before = l.structuralChanges;
          const g = l.generation();
          l.set(pfn, e);
          assert.equal(l.generation() % 2, 0);
          assert.equal(l.generation() - g, 2 * (l.structuralChanges - before));
        }
        assert.equal(l.generation(), 2 * l.structuralChanges);
      },
    ),
    { numRuns: 50, seed: 7 },
  );
});

test('p2m_generation is odd exactly while an install is in progress (memory hot-add above maxmem)', () => {
  const l = build('linear', namedLayout('hotplug', 8));
  const steps = l.setSteps(9 * PFNS_PER_GIB, 99); // above the E820: shared p2m_identity_pte
  const seen: Array<[string, number]> = [];
  for (let r = steps.next(); !r.done; r = steps.next()) seen.push([r.value, l.generation()]);
  assert.deepEqual(
    seen.map(([, g]) => g),
    [0, 1, 1, 2, 2, 3, 3, 4],
  ); // alloc PTE page, install it; alloc leaf, install it
  assert.ok(seen.filter(([lab]) => lab.startsWith('set_')).every(([, g]) => g % 2 === 1));
  assert.equal(l.lookup(9 * PFNS_PER_GIB), 99);
});

test('ballooning inside the extra memory never changes the list: its leaves are private from boot (xen_inv_extra_mem)', () => {
  for (const name of ['linear', 'linear-3.19'] as const) {
    const l = build(name, namedLayout('hotplug', 16, 4));
    const pages = l.p2mPages();
    for (let pfn = 4 * PFNS_PER_GIB; pfn < 16 * PFNS_PER_GIB; pfn += 4099) l.set(pfn, 0x7000000 + pfn);
    assert.equal(l.structuralChanges, 0, name);
    assert.equal(l.generation(), 0, name);
    assert.equal(l.p2mPages(), pages, name);
  }
  const t = build('tree3', namedLayout('hotplug', 16, 4));
  t.set(5 * PFNS_PER_GIB, 1);
  assert.equal(t.structuralChanges, 2, 'the tree installs a mid and a leaf'); // + its mid_mfn twin
});

test('trees and the 3.19 list have no generation: structural changes leave it at 0', () => {
  for (const name of ['tree3', 'linear-3.19'] as const) {
    const t = build(name, namedLayout('hotplug', 8));
    t.set(7 * PFNS_PER_GIB + 3, 99);
    t.set(2 * PFNS_PER_GIB + 7, 0); // ballooned out of RAM, then back
    t.set(0.5 * PFNS_PER_GIB, 99);
    if (name === 'tree3') assert.ok(t.structuralChanges >= 2);
    assert.equal(t.generation(), 0, name);
  }
});

test('explorer: every interleaving of a structural change with the migration walk is caught by linear, none by the trees', () => {
  const unbounded = { maxSteps: 64, maxInterleavings: 100_000, randomRuns: 0, seed: 1 };
  const lin = exploreWalk(VARIANTS.linear, unbounded);
  assert.equal(lin.result.exhaustive, true);
  assert.equal(lin.result.violations, 0);
  assert.equal(lin.result.truncated, 0);
  assert.ok(lin.detected > 0);
  const tree = exploreWalk(VARIANTS.tree3, unbounded);
  assert.equal(tree.result.exhaustive, true);
  assert.ok(tree.result.violations > 0);
  assert.equal(tree.detected, 0);
  // the shortest miss: the guest installs the new mid and leaf before the walk, and publishes the
  // leaf's MFN only after the tools mapped the frame list, so the tools keep p2m_missing
  assert.ok(tree.result.shortest);
  assert.match(tree.result.shortest.violation, /stale p2m view/);
  assert.equal(tree.result.shortest.steps.length, 11);
  // the suite's bounded exploration (2 preemptions) finds the same for each variant
  for (const v of ['tree3', 'tree4', 'linear', 'linear-3.19'] as const) {
    const f = exploreWalk(VARIANTS[v], WALK_OPTIONS);
    assert.equal(f.result.exhaustive, true);
    assert.equal(f.result.violations > 0, v !== 'linear', v);
    if (v !== 'linear') assert.equal(f.detected, 0, v); // the frame-list walk has nothing to detect with
  }
});

test('a migration along the load: rewrites alone complete with no stale read; first touches of shared pages are all detected by linear and all missed by the frame-list walk', async () => {
  const { codec } = await import('../../src/p2m/load.js');
  const { migrateAlongLoad } = await import('../../src/p2m/toolstack.js');
  // islands: a wholly missing gap below the populated end, so every variant first-touches shared pages
  const params = { guest: 64, gib: 16, layout: 'islands', load: 'migrate' };
  const load = codec.generate(params, 5);
  for (const name of ['tree3', 'tree4', 'linear', 'linear-3.19'] as const) {
    const quiet = migrateAlongLoad(build(name, load.layout), load, 8, { rewritesOnly: true });
    assert.equal(quiet.aborted, false, name);
    assert.equal(quiet.changes, 0);
    assert.equal(quiet.staleReads, 0);
    assert.equal(quiet.staleSlots, 0);
    const busy = migrateAlongLoad(build(name, load.layout), load, 8, { rewritesOnly: false });
    assert.ok(busy.changes > 0, name);
    if (name === 'linear') {
      assert.equal(busy.aborted, true);
      assert.equal(busy.missed, 0);
      assert.equal(busy.detected, busy.changes);
    } else {
      assert.equal(busy.aborted, false, name);
      assert.equal(busy.detected, 0);
      assert.equal(busy.missed, busy.changes);
      assert.ok(busy.staleSlots > 0, name);
    }
  }
  // the hotplug guest balloons inside its extra memory: the lists never change, the trees do
  const hp = codec.generate({ guest: 64, gib: 16, mem: 4, layout: 'hotplug', load: 'migrate' }, 5);
  for (const name of ['tree3', 'linear', 'linear-3.19'] as const) {
    const busy = migrateAlongLoad(build(name, hp.layout), hp, 8, { rewritesOnly: false });
    assert.equal(busy.changes > 0, name === 'tree3', name);
    assert.equal(busy.aborted, false, name);
  }
});

test('two CPUs first-touching the same missing leaf: one page per level survives, the loser frees its copy, both writes land', async () => {
  const { explore } = await import('../../src/harness/explore.js');
  const { makeWalkP2m } = await import('../../src/p2m/migration.js');
  const T = PFNS_PER_GIB + 5;
  // tree4's upper node for the first 512 GiB exists already; the 3.19 list adds its mid_mfn
  const grow: Record<string, number> = { tree3: 3, tree4: 3, linear: 2, 'linear-3.19': 3 };
  for (const v of ['tree3', 'tree4', 'linear', 'linear-3.19'] as const) {
    const boot = makeWalkP2m(VARIANTS[v]).p2mPages();
    const cpu = (pfn: number, mfn: number) =>
      function* (s: { p: ReturnType<typeof makeWalkP2m>; done: number }): Generator<string, void, void> {
        yield* s.p.setSteps(pfn, mfn);
        s.done++;
      };
    const r = explore(
      {
        init: () => ({ p: makeWalkP2m(VARIANTS[v]), done: 0 }),
        programs: [
          { name: 'cpu0', program: cpu(T, 111) },
          { name: 'cpu1', program: cpu(T + 1, 222) },
        ],
        check: (s) => {
          if (s.done < 2) return null;
          const ok = s.p.raw(T) === 111 && s.p.raw(T + 1) === 222 && s.p.p2mPages() === boot + grow[v]!;
          return ok
            ? null
            : { violation: `raw ${s.p.raw(T)}, ${s.p.raw(T + 1)}, pages +${s.p.p2mPages() - boot}`, size: 1 };
        },
      },
      { maxSteps: 100, maxInterleavings: 200_000, randomRuns: 0, seed: 1 },
    );
    assert.equal(r.exhaustive, true, v);
    assert.equal(r.violations, 0, `${v}: ${r.shortest?.violation}`);
    assert.equal(r.deadlocks, 0);
    assert.ok(r.interleavings > 10);
  }
});

test('a checkpointed stream (Remus/COLO): after the first checkpoint check_vm_state is skipped and the guest resets p2m_generation, so a change slips past the list too', () => {
  for (const v of ['tree3', 'linear', 'linear-3.19'] as const) {
    const live = exploreWalk(VARIANTS[v], WALK_OPTIONS);
    const ckpt = exploreWalk(VARIANTS[v], WALK_OPTIONS, 1);
    assert.equal(ckpt.result.exhaustive, true, v);
    assert.ok(ckpt.result.violations > 0, v);
    if (v === 'linear') {
      assert.equal(live.result.violations, 0);
      // every miss changes the structure after the first checkpoint was sent
      const steps = ckpt.result.shortest!.steps.map((s) => s.label);
      assert.ok(
        steps.findIndex((l) => l.startsWith('guest resumed')) < steps.findIndex((l) => l.startsWith('set_pte')),
      );
    }
  }
  const l = build('linear', namedLayout('hotplug', 8));
  l.set(9 * PFNS_PER_GIB, 1);
  assert.equal(l.generation(), 4);
  l.resumed();
  assert.equal(l.generation(), 0);
});
