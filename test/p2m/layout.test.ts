import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  identityAndRemap,
  ISA_END_PFN,
  ISA_START_PFN,
  namedLayout,
  PFNS_PER_GIB,
  PFNS_PER_MIB,
  populatedEnd,
  ramPfns,
} from '../../src/p2m/layout.js';
import { build } from './helpers.js';

const G = PFNS_PER_GIB;
const M = PFNS_PER_MIB;
/** the RAM under the three pc holes: 96 ISA pfns, 972 MiB, 1 GiB */
const H = ISA_END_PFN - ISA_START_PFN + 972 * M + G;

test('pc: the holes are identity, the RAM under them is remapped above the allocation, none is lost', () => {
  for (const N of [5, 16]) {
    const L = namedLayout('pc', N);
    assert.equal(ramPfns(L), N * G, `N=${N}`);
    assert.equal(L.span, N * G + H);
    assert.equal(populatedEnd(L), L.span);
    const ident = L.ranges.filter((r) => r.kind === 'ident').map((r) => [r.start, r.end]);
    assert.deepEqual(ident, [
      [ISA_START_PFN, ISA_END_PFN],
      [1029 * M, 2001 * M],
      [3 * G, 4 * G],
    ]);
    const last = L.ranges[L.ranges.length - 1]!;
    assert.deepEqual([last.kind, last.start, last.end], ['ram', 4 * G, N * G + H]);
  }
});

test('pc closed forms (src/p2m/README.md): pages and toolstack maps per variant', () => {
  for (const N of [5, 8]) {
    const L = namedLayout('pc', N);
    const got = (['tree3', 'tree4', 'linear', 'linear-3.19'] as const).map((n) => {
      const p = build(n, L);
      return [p.p2mPages(), p.mapForToolstack().maps];
    });
    assert.deepEqual(
      got,
      [
        [514 * N + 13, 513 * N + 1002],
        [514 * N + 17, 513 * N + 1003],
        [513 * N + 8, 513 * N + 1004],
        [514 * N + 12, 513 * N + 1027],
      ],
      `N=${N}`,
    );
  }
});

test('xen_find_pfn_range: the remap skips a non-RAM region above the allocation; no RAM left is an error', () => {
  const e820 = [
    { start: 0, end: 100, ram: true },
    { start: 100, end: 150, ram: false },
    { start: 150, end: 210, ram: true },
    { start: 210, end: 230, ram: false },
    { start: 230, end: 400, ram: true },
  ];
  // 200 pfns populated: 50 under the hole at 100 go to 200..210, then past the hole at 210 to 230..270
  assert.deepEqual(
    identityAndRemap(e820, 200).map((r) => [r.start, r.end, r.kind]),
    [
      [0, 100, 'ram'],
      [100, 150, 'ident'],
      [150, 210, 'ram'],
      [210, 230, 'ident'],
      [230, 270, 'ram'],
    ],
  );
  assert.throws(() => identityAndRemap(e820.slice(0, 4), 200), /no E820 RAM above pfn 210/);
});
