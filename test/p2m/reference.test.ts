import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { referenceFor } from '../../src/p2m/gate.js';
import { CapacityError } from '../../src/p2m/variant.js';
import { encoding, formatEntry } from '../../src/p2m/entry.js';
import { NAMES, VARIANTS, build, smallPc, type VariantName } from './helpers.js';
import { PFNS_PER_GIB, namedLayout } from '../../src/p2m/layout.js';
import type { Width } from '../../src/p2m/entry.js';

/** a set's result, or the capacity refusal both sides must agree on (any other throw fails the test) */
function outcome(f: () => boolean): string {
  try {
    return String(f());
  } catch (e) {
    if (e instanceof CapacityError) return 'beyond capacity';
    throw e;
  }
}

type Op = { kind: 'lookup' | 'set'; pfn: number; value: number };

function opArb(span: number, width: Width): fc.Arbitrary<Op> {
  const enc = encoding(width);
  // pfns cluster in a few leaves so that sets, flips and reads of the same leaf meet
  const pfn = fc.oneof(
    fc.integer({ min: 0, max: span - 1 }),
    fc
      .integer({ min: 0, max: 7 })
      .chain((leaf) =>
        fc
          .integer({ min: 0, max: enc.perPage - 1 })
          .map((i) => ((leaf * 97 + 3) % Math.floor(span / enc.perPage)) * enc.perPage + i),
      ),
  );
  const value = fc.oneof(
    fc.integer({ min: 1, max: enc.MFN_LIMIT - 1 }),
    fc.constant(enc.INVALID),
    fc.integer({ min: 1, max: 2 ** 29 }).map((m) => m + enc.FOREIGN),
  );
  return fc.oneof(
    fc.record({ kind: fc.constant<'lookup'>('lookup'), pfn, value: fc.constant(0) }),
    fc.record({ kind: fc.constant<'set'>('set'), pfn, value }),
    pfn.map((p) => ({ kind: 'set' as const, pfn: p, value: p + enc.IDENTITY })), // IDENTITY_FRAME(pfn)
  );
}

const LAYOUTS = {
  pc: { layout: smallPc(), reach: 0, runs: 60 },
  // 1 GiB of RAM, maxmem 3 GiB (2 GiB of extra memory), and pfns up to half a GiB above the E820
  hotplug: { layout: namedLayout('hotplug', 3, 1), reach: PFNS_PER_GIB / 2, runs: 15 },
};

for (const name of NAMES) {
  for (const width of VARIANTS[name].widths) {
    for (const [lname, { layout, reach, runs }] of Object.entries(LAYOUTS)) {
      test(`${name} (${width}-bit, ${lname}) agrees with the Map reference over random operation sequences`, () => {
        fc.assert(
          fc.property(fc.array(opArb(layout.span + reach, width), { minLength: 1, maxLength: 60 }), (ops) => {
            const p = build(name as VariantName, layout, width);
            const ref = referenceFor(p, layout);
            let pages = p.p2mPages();
            for (const op of ops) {
              if (op.kind === 'set') {
                assert.equal(
                  outcome(() => p.set(op.pfn, op.value)),
                  outcome(() => ref.set(op.pfn, op.value)),
                );
                const now = p.p2mPages();
                assert.ok(now >= pages, 'page count never decreases');
                // per set: tree3 at most mid + mid_mfn + leaf, tree4 two more, linear PTE page + leaf, the 3.19 list + mid_mfn
                assert.ok(
                  now - pages <= { tree3: 3, tree4: 5, linear: 2, 'linear-3.19': 3 }[name],
                  `${name} grew by ${now - pages}`,
                );
                pages = now;
              }
              const want = ref.raw(op.pfn);
              const got = p.raw(op.pfn);
              assert.equal(got, want, `raw(${op.pfn}): ${formatEntry(p.enc, got)} != ${formatEntry(p.enc, want)}`);
              assert.equal(p.lookup(op.pfn), ref.lookup(op.pfn));
            }
          }),
          { numRuns: runs, seed: 42 },
        );
      });
    }
  }
}
