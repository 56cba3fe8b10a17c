import { test } from 'node:test';
import assert from 'node:assert/strict';
import { E32, E64 } from '../../src/p2m/entry.js';
import { PFNS_PER_GIB, namedLayout, bootMfn } from '../../src/p2m/layout.js';
import { CapacityError } from '../../src/p2m/variant.js';
import type { P2mLinear } from '../../src/p2m/linear.js';
import { NAMES, build, smallPc } from './helpers.js';

const HOLE = 2500 * 256; // a pfn in smallPc's missing gap (2001-2900 MiB)
const IDENT = 1500 * 256; // inside the identity range

test('missing reads INVALID; writing INVALID into a hole succeeds without allocating', () => {
  for (const name of NAMES) {
    const p = build(name, smallPc());
    assert.equal(p.raw(HOLE), E64.INVALID);
    assert.equal(p.lookup(HOLE), E64.INVALID);
    const pages = p.p2mPages();
    assert.equal(p.setNoAlloc(HOLE, E64.INVALID), true);
    assert.equal(p.set(HOLE, E64.INVALID), true);
    assert.equal(p.p2mPages(), pages, name);
    assert.equal(p.setNoAlloc(HOLE, 1234), false, `${name}: a real MFN into a hole needs a page`);
    assert.equal(p.set(HOLE, 1234), true);
    assert.equal(p.lookup(HOLE), 1234);
    assert.ok(p.p2mPages() > pages);
  }
});

test('identity reads come from the shared page; IDENTITY_FRAME(pfn) is a no-op, anything else gets a private leaf with a leaf-aligned base', () => {
  for (const name of NAMES) {
    const p = build(name, smallPc());
    assert.equal(p.raw(IDENT), IDENT + E64.IDENTITY);
    assert.equal(p.lookup(IDENT), IDENT); // flags cleared: pfn_to_mfn(pfn) == pfn
    const pages = p.p2mPages();
    assert.equal(p.setNoAlloc(IDENT, IDENT + E64.IDENTITY), true);
    assert.equal(p.p2mPages(), pages);
    assert.equal(p.setNoAlloc(IDENT + 1, 777), false);
    assert.equal(p.set(IDENT + 1, 777), true);
    assert.equal(p.lookup(IDENT + 1), 777);
    const base = IDENT - (IDENT % 512);
    for (let i = 0; i < 512; i++)
      if (base + i !== IDENT + 1) assert.equal(p.raw(base + i), base + i + E64.IDENTITY, `${name} ${base + i}`);
  }
});

test('tree: an identity value into a missing leaf flips the whole leaf; linear allocates one private leaf', () => {
  for (const name of NAMES) {
    const p = build(name, smallPc());
    const pages = p.p2mPages();
    assert.equal(p.set(HOLE + 3, HOLE + 3 + E64.IDENTITY), true);
    const base = HOLE - (HOLE % 512);
    if (name.startsWith('linear')) {
      assert.equal(p.raw(HOLE + 3), HOLE + 3 + E64.IDENTITY);
      assert.equal(p.raw(base), E64.INVALID);
      assert.equal(p.p2mPages(), pages + 1);
    } else {
      for (let i = 0; i < 512; i++) assert.equal(p.raw(base + i), base + i + E64.IDENTITY, `${name}: neighbour ${i}`);
      assert.equal(p.p2mPages(), pages, `${name}: the flip allocates nothing (the mid already exists)`);
    }
  }
  // in a wholly missing GiB the tree first needs the mid (early_alloc_p2m), then flips
  const t = build('tree3', namedLayout('hotplug', 16));
  const pfn = 10 * PFNS_PER_GIB + 9;
  const pages = t.p2mPages();
  t.set(pfn, pfn + E64.IDENTITY);
  assert.equal(t.p2mPages(), pages + 2); // mid + mid_mfn, no leaf
  assert.equal(t.raw(pfn - 9 + 511), pfn - 9 + 511 + E64.IDENTITY);
});

test('round trip with FOREIGN and high MFNs', () => {
  for (const name of NAMES) {
    const p = build(name, smallPc());
    for (const e of [5, 2 ** 32 + 7, 2 ** 40 - 1, 2 ** 35 + E64.FOREIGN]) {
      assert.equal(p.set(100, e), true);
      assert.equal(p.raw(100), e);
      assert.equal(p.lookup(100), e % E64.IDENTITY);
    }
  }
});

test('capacity: tree3 holds exactly 2^27 pfns (64-bit) and 2^30 (32-bit); beyond reads INVALID and rejects real MFNs', () => {
  const t = build('tree3', namedLayout('islands', 512));
  assert.equal(t.capacity, 2 ** 27);
  assert.equal(t.set(2 ** 27 - 1, 42), true);
  assert.equal(t.lookup(2 ** 27 - 1), 42);
  assert.equal(t.lookup(2 ** 27), E64.INVALID);
  assert.equal(t.set(2 ** 27, E64.INVALID), true);
  assert.throws(
    () => t.set(2 ** 27, 42),
    (e: unknown) => e instanceof CapacityError && /134217728 pfns \(512 GiB\)/.test(e.message),
  );
  assert.throws(() => build('tree3', namedLayout('islands', 513)), /capacity of 134217728 pfns \(512 GiB\)/);
  const t32 = build('tree3', namedLayout('islands', 4096), 32);
  assert.equal(t32.capacity, 2 ** 30);
  assert.equal(t32.set(2 ** 30 - 1, 42), true);
  assert.equal(t32.lookup(2 ** 30 - 1), 42);
  assert.equal(t32.lookup(2 ** 30), E32.INVALID);
  assert.throws(() => t32.set(2 ** 30, 42), /1073741824 pfns \(4 TiB\)/);
  assert.equal(build('tree4', namedLayout('islands', 1024)).capacity, 2 ** 36);
});

test('linear: beyond the VA area reads IDENTITY and accepts only INVALID; a 1 TiB guest works', () => {
  const l = build('linear', namedLayout('islands', 1024)) as P2mLinear;
  assert.equal(l.size, 2 ** 28);
  const top = 2 ** 28 - 1;
  assert.equal(l.lookup(top), bootMfn(top));
  assert.equal(l.raw(2 ** 28 + 5), 2 ** 28 + 5 + E64.IDENTITY);
  assert.equal(l.set(2 ** 28 + 5, E64.INVALID), true);
  assert.throws(() => l.set(2 ** 28 + 5, 9), /xen_p2m_size/);
  // small guests still reserve the 512 GiB hotplug VA (CONFIG_XEN_MEMORY_HOTPLUG_LIMIT)
  assert.equal((build('linear', namedLayout('dense', 1)) as P2mLinear).size, 2 ** 27);
});

test('linear: the MMU view always equals a walk of the guest page tables', () => {
  const l = build('linear', smallPc()) as P2mLinear;
  l.set(HOLE, 5);
  l.set(IDENT, 6);
  for (let s = 0; s < smallPc().span / 512; s++) assert.equal(l.currentLeaf(s), l.walkLeaf(s));
});

test('dependent loads per lookup: tree3 3 (identity 2), tree4 4 (3), linear 1 for RAM, 5 identity, 6 missing', () => {
  const want: Record<string, [number, number, number]> = {
    tree3: [3, 2, 3],
    tree4: [4, 3, 4],
    linear: [1, 5, 6],
    'linear-3.19': [1, 5, 6],
  };
  for (const name of NAMES) {
    const p = build(name, smallPc());
    const tr = { loads: 0, frames: [] as number[] };
    const got = [7, IDENT, HOLE].map((pfn) => {
      assert.equal(p.trace(pfn, tr), p.raw(pfn));
      return tr.loads;
    });
    assert.deepEqual(got, want[name], name);
  }
});

test('max_pfn is a count: the list publishes the end of the extra memory and grows it to ALIGN(pfn + 1, 512) when extended; the tree and the 3.19 list publish xen_max_p2m_pfn and never grow it', () => {
  const l = build('linear', namedLayout('hotplug', 8));
  assert.equal(l.publishedMaxPfn(), 8 * PFNS_PER_GIB);
  const pfn = 9 * PFNS_PER_GIB + 700;
  l.set(pfn, 5);
  assert.equal(l.publishedMaxPfn(), Math.ceil((pfn + 1) / 512) * 512);
  assert.equal(l.mapForToolstack().pfns, Math.ceil((pfn + 1) / 512) * 512);
  for (const name of ['tree3', 'linear-3.19'] as const) {
    const t = build(name, namedLayout('hotplug', 8));
    assert.equal(t.publishedMaxPfn(), 8 * PFNS_PER_GIB, name); // xen_add_extra_mem: the end of the extra memory
    t.set(6 * PFNS_PER_GIB, 5);
    if (name === 'tree3') t.set(pfn, 5); // beyond the 3.19 list's VA area: refused
    assert.equal(t.publishedMaxPfn(), 8 * PFNS_PER_GIB, name);
  }
  assert.throws(() => build('linear-3.19', namedLayout('hotplug', 8)).set(pfn, 5), /xen_p2m_size/);
});

test('the extra memory: 10 x the initial allocation at most (EXTRA_MEM_RATIO); the list reads INVALID there and IDENTITY_FRAME above, the tree INVALID throughout', () => {
  const L = namedLayout('hotplug', 512, 4);
  assert.deepEqual(L.extra, [{ start: 4 * PFNS_PER_GIB, end: 44 * PFNS_PER_GIB }]);
  assert.deepEqual(namedLayout('hotplug', 16, 4).extra, [{ start: 4 * PFNS_PER_GIB, end: 16 * PFNS_PER_GIB }]);
  const above = 100 * PFNS_PER_GIB + 3;
  for (const name of NAMES) {
    const p = build(name, L);
    assert.equal(p.raw(10 * PFNS_PER_GIB), E64.INVALID, name);
    assert.equal(p.raw(above), name === 'tree3' || name === 'tree4' ? E64.INVALID : above + E64.IDENTITY, name);
  }
});
