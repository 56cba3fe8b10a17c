import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  F_PINNED,
  F_VALIDATED,
  FrameTable,
  PGT_L1,
  PGT_L2,
  PGT_NONE,
  PGT_WRITABLE,
} from '../../src/liveupdate/frametable.js';
import { E_PSE, E_RW, TablesBuilder } from '../../src/liveupdate/guest.js';
import { newWork, TypeRefs, W_ENTRIES_CHECKED, W_PAGES_VALIDATED } from '../../src/liveupdate/typeref.js';

// frames: 0 an L2 -> 1 an L1 -> {2 writable, 3 read-only}; 4 an L2 with a superpage entry
function tiny() {
  const b = new TablesBuilder(6, 8);
  b.begin(0, PGT_L2);
  b.entry(1, E_RW);
  b.begin(1, PGT_L1);
  b.entry(2, E_RW);
  b.entry(3, 0);
  b.begin(4, PGT_L2);
  b.entry(5, E_RW | E_PSE);
  const ft = new FrameTable(6);
  const work = newWork();
  return { ft, work, refs: new TypeRefs(ft, b.build(), work) };
}

test('validating an L2 types its L1 and the L1 takes a writable reference only for its writable entry', () => {
  const { ft, work, refs } = tiny();
  assert.ok(refs.getPageType(0, PGT_L2));
  assert.equal(ft.type[1], PGT_L1);
  assert.equal(ft.count[1], 1);
  assert.equal(ft.type[2], PGT_WRITABLE);
  assert.equal(ft.count[2], 1);
  assert.equal(ft.count[3], 0);
  assert.equal(work[W_PAGES_VALIDATED], 2);
  assert.equal(work[W_ENTRIES_CHECKED], 3);
});

test('a page table cannot be mapped writable, and a writable page cannot become a page table', () => {
  const { ft, refs } = tiny();
  assert.ok(refs.getPageType(0, PGT_L2));
  assert.equal(refs.getPageType(1, PGT_WRITABLE), false);
  assert.equal(ft.mayMapWritable(1), false);
  assert.equal(refs.getPageType(2, PGT_L1), false);
  assert.equal(refs.pin(2, PGT_L1), false);
});

test('PV guests get no superpages: an L2 entry with PSE fails validation and leaves no type behind', () => {
  const { ft, refs } = tiny();
  assert.equal(refs.getPageType(4, PGT_L2), false);
  assert.equal(ft.type[4], PGT_NONE);
  assert.equal(ft.count[4], 0);
  assert.equal(ft.count[5], 0);
});

test('pinning holds a reference; the last put devalidates a table and drops what it referenced', () => {
  const { ft, refs } = tiny();
  assert.ok(refs.pin(1, PGT_L1));
  assert.equal(refs.pin(1, PGT_L1), false, 'pinning twice is an error');
  assert.equal(ft.count[1], 1);
  assert.ok((ft.flags[1]! & F_PINNED) !== 0);
  assert.ok(refs.getPageType(0, PGT_L2));
  assert.equal(ft.count[1], 2);
  refs.putPageType(0);
  assert.equal(ft.count[1], 1);
  ft.flags[1]! &= ~F_PINNED;
  refs.putPageType(1);
  assert.equal(ft.count[1], 0);
  assert.equal(ft.flags[1]! & F_VALIDATED, 0);
  assert.equal(ft.type[1], PGT_L1, 'Xen keeps the type bits of a count-0 table');
  assert.equal(ft.count[2], 0, 'its writable reference was dropped');
});
