// `xl dump-core` as a second reader of the toolstack's view. xl_misc.c:main_dump_core ->
// libxl_domain_core_dump (libxl_domain.c) -> xc_domain_dumpcore: neither xl, libxl nor
// libxenguest tools/libs/guest/xg_core.c:xc_domain_dumpcore_via_callback pauses the domain (the
// xl manual: "without pausing the domain"). It maps the p2m once with xc_core_arch_map_p2m
// (xg_core_x86.c; the same choice as libxenguest's map_p2m since the July 2021 fix "fix
// xc_core_arch_map_p2m() to support linear p2m table": the page-table walk iff p2m_cr3 != 0,
// else the frame-list tree), takes nr_pages = tot_pages, then walks the pfns in order: for each
// it reads the entry through the mapped leaves, skips INVALID and anything above max_mfn
// (FOREIGN and IDENTITY entries), maps the frame, copies it and records the pfn/gmfn pair;
// the .xen_p2m section is written after the pages, and pages beyond nr_pages are dropped
// ("exceeded nr_pages ... losing"). Nothing compares p2m_generation: a dump is one pass.
//
// The model: the copy moves through the present pages in pfn order, one per unit of time,
// while the guest applies the load's sets evenly over the same time. At its copy a pfn's entry
// is read through the view as it is then: a page is stale when the view reads an own frame the
// guest's entry no longer names (a leaf the guest replaced), missed when the guest holds a
// frame the view reads as absent (a stale p2m_missing leaf, or beyond max_pfn) or when it
// falls beyond nr_pages.
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
  /** pfns with a frame at their copy that the core left out (read absent through the view, or beyond nr_pages) */
  readonly missed: number;
  /** of those, pages dropped because the guest gained pages during the dump (j > nr_pages) */
  readonly overflow: number;
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
  // the pfns the guest changes, in copy order (copy times taken at the start, from the view)
  const sets: number[] = [];
  for (let i = 0; i < load.ops.length; i++) if (load.ops[i] === OP_SET) sets.push(i);
  const touched = new Set<number>();
  for (const i of sets) touched.add(load.pfns[i]!);
  const order = [...touched].sort((a, b) => a - b);
  const when = order.map(copyTime);
  const atStart = order.map((pfn) => present(p, recordOf(pfn)));
  let next = 0;
  let stale = 0;
  let missed = 0;
  let net = 0; // pages the copy finds present beyond those it found at the start
  const copyUpTo = (t: number): void => {
    for (; next < order.length && (when[next]! < t || t === Number.POSITIVE_INFINITY); next++) {
      const pfn = order[next]!;
      const r = recordOf(pfn); // read through the view at the copy
      const g = p.raw(pfn);
      if (present(p, r) && g !== r) stale++;
      else if (!present(p, r) && present(p, g)) missed++; // also beyond the view's max_pfn: not dumped
      net += (present(p, r) ? 1 : 0) - (atStart[next]! ? 1 : 0);
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
  const overflow = Math.max(0, net); // nr_pages = tot_pages at the start; the rest is padded with zero pages
  missed += overflow;
  return { p2mMaps: view.maps, pages, changes, stale, missed, overflow };
}
