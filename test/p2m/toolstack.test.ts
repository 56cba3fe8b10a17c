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
  }
  // beyond 512 GiB the list needs one more L2 page per 512 GiB of guest: 1024 GiB -> 525,316 (table)
  assert.equal(build('linear', namedLayout('islands', 1024)).mapForToolstack().maps, 525316);
});

test('32-bit PAE tree: 1 + ceil(N/4) + 256N mappings', () => {
  for (const N of [1, 4, 8])
    assert.equal(build('tree3', namedLayout('dense', N), 32).mapForToolstack().maps, 1 + Math.ceil(N / 4) + 256 * N);
});

test('guest pages for dense guests: tree leaves + 2 mids + 7, linear leaves + PTE pages + 1 PMD + 4', () => {
  const table: Array<[number, number, number]> = [
    [1, 521, 518],
    [16, 8231, 8213],
  ];
  for (const [N, tree, lin] of table) {
    assert.equal(build('tree3', namedLayout('dense', N)).p2mPages(), tree);
    assert.equal(build('linear', namedLayout('dense', N)).p2mPages(), lin);
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
    C: namedLayout('hotplug', 64),
    D: namedLayout('hotplug', 64),
    E: namedLayout('islands', 512),
  };
  // [tree pages, linear pages, tree maps, list maps]
  const want: Record<string, [number, number, number, number]> = {
    A: [4119, 4109, 4105, 4107],
    B: [4121, 4109, 4618, 4620],
    C: [2063, 2057, 2053, 2056],
    D: [32903, 32837, 32833, 32835],
    E: [1035, 1031, 262657, 262659],
  };
  for (const [k, layout] of Object.entries(layouts)) {
    const t = build('tree3', layout);
    const l = build('linear', layout);
    if (k === 'D') {
      // balloon up to 64 GiB (one pfn per leaf is enough to make every leaf private), then back down
      for (const p of [t, l]) {
        for (let pfn = 4 * G; pfn < 64 * G; pfn += 512) p.set(pfn, 0x5000000 + pfn);
        for (let pfn = 4 * G; pfn < 64 * G; pfn += 512) p.set(pfn, E64.INVALID);
      }
    }
    assert.deepEqual(
      [t.p2mPages(), l.p2mPages(), t.mapForToolstack().maps, l.mapForToolstack().maps],
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
  for (const name of ['tree3', 'tree4', 'linear'] as const) {
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
