import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  E32,
  E64,
  viewOf,
  hiLaneOf,
  identityFrame,
  foreignFrame,
  stripFlags,
  checkEntry,
  hasIdentityBit,
  hasForeignBit,
} from '../../src/p2m/entry.js';
import { P2mTree } from '../../src/p2m/tree.js';
import { PAGE_SHIFT_LANES } from '../../src/p2m/memory.js';

test('64-bit entries are stored as the real bit pattern in two lanes', () => {
  assert.equal(viewOf(0xffffffff, 0xffffffff), E64.INVALID);
  assert.equal(hiLaneOf(E64.INVALID), 0xffffffff);
  assert.equal(hiLaneOf(E64.FOREIGN), 0x80000000); // bit 63
  assert.equal(hiLaneOf(E64.IDENTITY), 0x40000000); // bit 62
  assert.equal(hiLaneOf(2 ** 40 + 5), 0x100); // MFN bits 32.. stay where they are
  const t = new P2mTree('tree3', 3, 64, { span: 1024, ranges: [{ start: 0, end: 1024, kind: 'ram' }] });
  t.set(3, foreignFrame(E64, 2 ** 33 + 9));
  const leaf = t.currentLeaf(0);
  const b = (leaf << PAGE_SHIFT_LANES) + 6;
  assert.equal(t.mem.lanes[b], 9);
  assert.equal(t.mem.lanes[b + 1], 0x80000002);
  assert.equal(t.lookup(3), 2 ** 33 + 9);
});

test('view <-> lanes round trip is exact for every representable entry', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 2 ** 50 - 1 }),
      fc.constantFrom(0, E64.FOREIGN, E64.IDENTITY),
      (mfn, flag) => {
        const e = mfn + flag;
        checkEntry(E64, e);
        assert.equal(viewOf(e >>> 0, hiLaneOf(e)), e);
        assert.equal(stripFlags(E64, e), mfn);
        assert.equal(hasIdentityBit(E64, e), flag === E64.IDENTITY);
        assert.equal(hasForeignBit(E64, e), flag === E64.FOREIGN);
      },
    ),
  );
});

test('32-bit encoding is the raw value: bit 31 foreign, bit 30 identity, all ones invalid', () => {
  assert.equal(E32.INVALID, 0xffffffff);
  assert.equal(E32.FOREIGN, 0x80000000);
  assert.equal(identityFrame(E32, 5), 0x40000005);
  assert.equal(stripFlags(E32, E32.INVALID), E32.INVALID);
  assert.throws(() => checkEntry(E32, 2 ** 30 + 2 ** 31), RangeError); // both flags: only INVALID has them
  assert.throws(() => checkEntry(E64, 2 ** 50 + 2 ** 51 + 1), RangeError);
});
