// `xl dump-core` as a second reader of the toolstack's view. libxl_domain_core_dump ->
// libxenctrl tools/libs/ctrl/xc_core.c:xc_domain_dumpcore_via_callback does not pause the
// domain (xl's manual: "without pausing the domain"). It maps the p2m once with
// xc_core_arch_map_p2m (tools/libs/ctrl/xc_core_x86.c; since Xen commit "fix
// xc_core_arch_map_p2m() to support linear p2m table", July 2021, the same choice as
// libxenguest's map_p2m: the page-table walk iff p2m_cr3 != 0, else the frame-list tree;
// before it the tree only, so a >= 4.14 guest that builds no tree gave an unusable core),
// records each present pfn's mfn in the core's .xen_p2m section, then copies the pages from
// those mfns. Nothing compares p2m_generation: a dump is one pass with no check_vm_state.
//
// The model: the pfn/mfn pairs are recorded from the view when the dump starts; the copy
// then moves through the recorded pages in pfn order, one page per unit of time, while the
// guest applies the load's sets evenly over the same time. A page is stale when, at its copy, the guest's entry
// differs from the recorded mfn (the core holds the contents of a frame the pfn no longer
// names, or one given back to Xen); missed when the record had no frame but the guest has one.
import { OP_SET, type P2mLoad } from './load.js';
import { ownFrame } from './logdirty.js';
import { withinCapacity } from './metrics.js';
import type { P2m } from './variant.js';

export interface DumpOutcome {
  /** foreign mappings xc_core_arch_map_p2m needs */
  readonly p2mMaps: number;
  /** pages the core records as present (one mapping each when copied) */
  readonly pages: number;
  /** sets the guest made during the dump */
  readonly changes: number;
  /** pages written from a frame the guest's entry no longer names at the copy */
  readonly stale: number;
  /** pfns with a frame at their copy that the record left out */
  readonly missed: number;
}

/** an entry naming one of the domain's own frames (a grant mapping names another domain's) */
function present(p: P2m, e: number): boolean {
  return ownFrame(p.enc, e);
}

export function dumpCoreAlongLoad(p: P2m, load: P2mLoad): DumpOutcome {
  const view = p.mapForToolstack();
  const per = p.enc.perPage;
  const recordOf = (pfn: number): number => {
    const slot = Math.floor(pfn / per);
    return slot < view.leaves.length ? p.readFrame(view.leaves[slot]!, pfn % per) : p.enc.INVALID;
  };
  // present pages below each leaf slot: the copy reaches a pfn after copying those
  const below = new Float64Array(view.leaves.length + 1);
  for (let s = 0; s < view.leaves.length; s++) {
    const f = view.leaves[s]!;
    let n = 0;
    for (let i = 0; i < per; i++) if (present(p, p.readFrame(f, i))) n++;
    below[s + 1] = below[s]! + n;
  }
  const pages = below[view.leaves.length]!;
  /** when the copy reaches pfn, in [0, 1]: its rank among the recorded pages (beyond max_pfn: never) */
  const copyTime = (pfn: number): number => {
    const slot = Math.floor(pfn / per);
    if (slot >= view.leaves.length) return Number.POSITIVE_INFINITY;
    let n = below[slot]!;
    for (let i = 0; i < pfn % per; i++) if (present(p, p.readFrame(view.leaves[slot]!, i))) n++;
    return n / Math.max(1, pages);
  };
  // the pfns the guest changes: their records, taken before any change
  const sets: number[] = [];
  for (let i = 0; i < load.ops.length; i++) if (load.ops[i] === OP_SET) sets.push(i);
  const record = new Map<number, number>();
  for (const i of sets) if (!record.has(load.pfns[i]!)) record.set(load.pfns[i]!, recordOf(load.pfns[i]!));
  // the k-th set happens at k / n; a pfn is copied at copyTime, both taken before any change
  const order = [...record.keys()].sort((a, b) => a - b);
  const when = order.map(copyTime);
  let next = 0;
  let stale = 0;
  let missed = 0;
  const copyUpTo = (t: number): void => {
    for (; next < order.length && (when[next]! < t || t === Number.POSITIVE_INFINITY); next++) {
      const pfn = order[next]!;
      const r = record.get(pfn)!;
      const g = p.raw(pfn);
      if (present(p, r) && g !== r) stale++;
      else if (!present(p, r) && present(p, g)) missed++; // also beyond the view's max_pfn: not dumped
    }
  };
  let changes = 0;
  sets.forEach((i, k) => {
    copyUpTo(k / sets.length);
    const pfn = load.pfns[i]!;
    const e = load.values[i]!;
    if (!withinCapacity(p, pfn, e)) return;
    p.set(pfn, e);
    changes++;
  });
  copyUpTo(Number.POSITIVE_INFINITY);
  return { p2mMaps: view.maps, pages, changes, stale, missed };
}
