// The correctness gate: replay a load on a variant and on the Map reference, report the first
// operation whose observable result differs (raw entry, pfn_to_mfn, set outcome).
import type { Gate } from '../harness/kit.js';
import { formatEntry } from './entry.js';
import { OP_SET, type P2mLoad } from './load.js';
import { P2mReference } from './reference.js';
import type { Layout } from './layout.js';
import type { P2m } from './variant.js';

export function referenceFor(p2m: P2m, layout: Layout): P2mReference {
  return new P2mReference(p2m.enc, layout, {
    variant: p2m.variant,
    flipWholeLeaf: p2m.flipsWholeLeaf,
    limit: p2m.readLimit,
    beyond: p2m.beyondReads,
    aboveInitial: p2m.aboveInitial,
  });
}

function outcome(f: () => boolean): string {
  try {
    return String(f());
  } catch (e) {
    return `throws ${(e as Error).constructor.name}`;
  }
}

export function runGate(p2m: P2m, load: P2mLoad, ref = referenceFor(p2m, load.layout)): Gate {
  const enc = p2m.enc;
  for (let i = 0; i < load.ops.length; i++) {
    const pfn = load.pfns[i]!;
    if (load.ops[i] === OP_SET) {
      const e = load.values[i]!;
      const want = outcome(() => ref.set(pfn, e));
      const got = outcome(() => p2m.set(pfn, e));
      if (want !== got)
        return {
          ok: false,
          at: i,
          expected: `set(${pfn}, ${formatEntry(enc, e)}) ${want}`,
          actual: `set(${pfn}, ${formatEntry(enc, e)}) ${got}`,
        };
    }
    const want = ref.raw(pfn);
    const got = p2m.raw(pfn);
    if (want !== got)
      return {
        ok: false,
        at: i,
        expected: `__pfn_to_mfn(${pfn}) = ${formatEntry(enc, want)}`,
        actual: `__pfn_to_mfn(${pfn}) = ${formatEntry(enc, got)}`,
      };
    const wl = ref.lookup(pfn);
    const gl = p2m.lookup(pfn);
    if (wl !== gl)
      return { ok: false, at: i, expected: `pfn_to_mfn(${pfn}) = ${wl}`, actual: `pfn_to_mfn(${pfn}) = ${gl}` };
  }
  return { ok: true, checked: load.ops.length };
}
