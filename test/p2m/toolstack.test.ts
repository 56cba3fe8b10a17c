import { test } from 'node:test';
import assert from 'node:assert/strict';
import { E64 } from '../../src/p2m/entry.js';
import { PFNS_PER_GIB, namedLayout, type Layout } from '../../src/p2m/layout.js';
import { build } from './helpers.js';

const G = PFNS_PER_GIB;

test('foreign mappings for a dense 64-bit guest of N GiB equal the closed forms of src/p2m/README.md', () => {
  for (const N of [1, 4, 16]) {
    const L = namedLayout('dense', N);
    assert.equal(build('tree3', L).mapForToolstack().maps, 1 + N + 512 * N, `tree3 ${N}`);
    assert.equal(build('tree4', L).mapForToolstack().maps, 1 + 1 + N + 512 * N, `tree4 ${N}`);
    assert.equal(build('linear', L).mapForToolstack().maps, 3 + N + 512 * N, `linear ${N}`);
    assert.equal(build('linear-3.19', L).mapForToolstack().maps, 1 + N + 512 * N, `linear-3.19 ${N}`);
  }
  // beyond 512 GiB the list needs one more L2 page per 512 GiB of guest: 1024 GiB -> 525,316 (table)
  assert.equal(build('linear', namedLayout('islands', 1024)).mapForToolstack().maps, 525316);
});

test('32-bit PAE tree: 1 + ceil(N/4) + 256N mappings', () => {
  for (const N of [1, 4, 8])
    assert.equal(build('tree3', namedLayout('dense', N), 32).mapForToolstack().maps, 1 + Math.ceil(N / 4) + 256 * N);
});

test('guest pages for dense guests: tree 514N + 7, linear 513N + 5, the 3.19 list 514N + 8 (its MFN tree)', () => {
  for (const N of [1, 16]) {
    assert.equal(build('tree3', namedLayout('dense', N)).p2mPages(), 514 * N + 7);
    assert.equal(build('linear', namedLayout('dense', N)).p2mPages(), 513 * N + 5);
    assert.equal(build('linear-3.19', namedLayout('dense', N)).p2mPages(), 514 * N + 8);
  }
});

test('a hotplug guest of R GiB RAM, maxmem M, extra X = min(10R, M - R), E = R + X: the closed forms of src/p2m/README.md', () => {
  for (const [M, R] of [
    [16, 4],
    [12, 2],
    [30, 1], // the extra memory clamped to 10 GiB
    [3, 1],
  ] as const) {
    const E = R + Math.min(10 * R, M - R);
    const L = namedLayout('hotplug', M, R);
    const [t, t4, l, f] = (['tree3', 'tree4', 'linear', 'linear-3.19'] as const).map((n) => build(n, L));
    assert.deepEqual(
      [t!.p2mPages(), l!.p2mPages(), f!.p2mPages()],
      [514 * R + 7, 513 * E + 5, 514 * E + 8],
      `pages M=${M} R=${R}`,
    );
    assert.deepEqual(
      [t!.mapForToolstack().maps, t4!.mapForToolstack().maps, l!.mapForToolstack().maps, f!.mapForToolstack().maps],
      [513 * R + 514, 513 * E + 2, 513 * E + 3, 513 * E + 1],
      `maps M=${M} R=${R}`,
    );
  }
});

test('layouts A-E of src/p2m/README.md: guest pages and toolstack mappings', () => {
  const B: Layout = {
    span: 9 * G,
    ranges: [
      { start: 0, end: 3 * G, kind: 'ram' },
      { start: 3 * G, end: 4 * G, kind: 'ident' },
      { start: 4 * G, end: 9 * G, kind: 'ram' },
    ],
  };
  const layouts: Record<string, Layout> = {
    A: namedLayout('dense', 8),
    B,
    C: namedLayout('hotplug', 16, 1),
    D: namedLayout('hotplug', 16, 1),
    E: namedLayout('islands', 512),
  };
  // [tree pages, linear pages, 3.19 list pages, tree maps, list maps, 3.19 list maps]
  const want: Record<string, number[]> = {
    A: [4119, 4109, 4120, 4105, 4107, 4105],
    B: [4121, 4109, 4120, 4618, 4620, 4618],
    C: [521, 5648, 5662, 1027, 5646, 5644],
    D: [5661, 5648, 5662, 5644, 5646, 5644],
    E: [1035, 1031, 1036, 262657, 262659, 262657],
  };
  for (const [k, layout] of Object.entries(layouts)) {
    const ps = (['tree3', 'linear', 'linear-3.19'] as const).map((n) => build(n, layout));
    if (k === 'D') {
      // balloon up to the end of the extra memory, 11 GiB (one pfn per leaf makes every leaf private), then back down
      for (const p of ps) {
        for (let pfn = G; pfn < 11 * G; pfn += 512) p.set(pfn, 0x5000000 + pfn);
        for (let pfn = G; pfn < 11 * G; pfn += 512) p.set(pfn, E64.INVALID);
      }
    }
    assert.deepEqual(
      [...ps.map((p) => p.p2mPages()), ...ps.map((p) => p.mapForToolstack().maps)],
      want[k],
      `layout ${k}`,
    );
  }
});

test('the tools refuse a tree whose max_pfn needs more than one frame-list-list page', () => {
  const t = build('tree3', namedLayout('islands', 512));
  t.set(2 ** 27 - 1, 1);
  assert.equal(t.publishedMaxPfn(), 2 ** 27);
  assert.doesNotThrow(() => t.mapForToolstack());
});

test('the toolstack view maps the leaf frames the guest uses', () => {
  for (const name of ['tree3', 'tree4', 'linear', 'linear-3.19'] as const) {
    const p = build(name, namedLayout('pc', 5));
    const v = p.mapForToolstack();
    assert.equal(v.leafMaps, v.leaves.length);
    for (let s = 0; s < v.leaves.length; s++) {
      if (name === 'linear' || v.leaves[s] === p.currentLeaf(s)) continue;
      // the tree's MFN tree is not updated by the identity flip: both pages read INVALID to the tools
      assert.equal(p.readFrame(v.leaves[s]!, 0), E64.INVALID);
    }
    if (name === 'linear') for (let s = 0; s < v.leaves.length; s++) assert.equal(v.leaves[s], p.currentLeaf(s));
  }
});

test("map_p2m_leaves' per-frame check: every frame a walk maps passes it; a frame the guest gave back fails it, and the explorer counts that abort apart", async () => {
  const { firstBadLeaf } = await import('../../src/p2m/toolstack.js');
  for (const name of ['tree3', 'tree4', 'linear', 'linear-3.19'] as const) {
    const p = build(name, namedLayout('hotplug', 16, 4));
    p.set(3 * G, 5); // ballooned out of RAM and back: no structural change
    const v = p.mapForToolstack();
    assert.equal(firstBadLeaf(p, v), -1, name);
    // a view holding a frame the guest no longer owns (given back with free_p2m_page) is refused
    p.mem.free(p.currentLeaf(7));
    assert.equal(firstBadLeaf(p, v), 7, name);
  }
  const { exploreWalk, WALK_OPTIONS } = await import('../../src/p2m/migration.js');
  const { VARIANTS } = await import('./helpers.js');
  for (const v of ['tree3', 'linear', 'linear-3.19'] as const) {
    const f = exploreWalk(VARIANTS[v], WALK_OPTIONS);
    assert.equal(f.m2pAborts, 0, v); // no interleaving maps a frame that fails the check: stale views complete silently
    assert.ok(f.detected + f.result.violations <= f.result.interleavings);
  }
});
