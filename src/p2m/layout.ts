// A guest's pseudo-physical memory map: RAM and identity (1:1: PCI BARs, ACPI, E820 gaps)
// ranges populated at boot, and the balloon's extra memory above them; everything else
// inside `span` is missing. `span` is the end of the guest's E820 (maxmem for a PV domU:
// libxl sets one RAM entry of maxmem with xc_domain_set_memmap_limit).
//
// Linux arch/x86/xen/setup.c:xen_memory_setup takes the E820 RAM above the initial
// allocation (nr_pages) as extra memory, clamped to EXTRA_MEM_RATIO (10) times the initial
// size, marks what lies above it unusable, and sets xen_max_p2m_pfn to the end of the extra
// memory (xen_add_extra_mem). The tree leaves all of it p2m_missing; the list maps it to
// p2m_identity and then gives the extra memory private INVALID leaves (xen_inv_extra_mem).
import type { Encoding } from './entry.js';

export type RangeKind = 'ram' | 'ident';

export interface Range {
  readonly start: number; // first pfn
  readonly end: number; // one past the last pfn
  readonly kind: RangeKind;
}

/** a pfn interval [start, end) */
export interface Extent {
  readonly start: number;
  readonly end: number;
}

export interface Layout {
  readonly span: number;
  /** sorted, non-overlapping */
  readonly ranges: readonly Range[];
  /** xen_extra_mem: balloon space above the initial allocation, sorted, above every range (none if absent) */
  readonly extra?: readonly Extent[];
}

/** setup.c: the extra memory is at most EXTRA_MEM_RATIO times the initial allocation */
export const EXTRA_MEM_RATIO = 10;

export function extraOf(layout: Layout): readonly Extent[] {
  return layout.extra ?? [];
}

/** xen_max_p2m_pfn at boot: the end of the extra memory, or of what the builder populated */
export function maxP2mPfn(layout: Layout): number {
  const ex = extraOf(layout);
  const last = ex[ex.length - 1];
  return Math.max(populatedEnd(layout), last === undefined ? 0 : last.end);
}

/** the list's xen_p2m_size before xen_vmalloc_p2m_tree: ALIGN(nr_pages, P2M_PER_PAGE); every slot above reads identity (xen_p2m_elem_type) */
export function initialEnd(layout: Layout, perPage: number): number {
  return Math.ceil(populatedEnd(layout) / perPage) * perPage;
}

export function inExtra(layout: Layout, pfn: number): boolean {
  for (const x of extraOf(layout)) if (pfn >= x.start && pfn < x.end) return true;
  return false;
}

/** pfns of extra memory in [start, end) */
export function extraIn(layout: Layout, start: number, end: number): number {
  let n = 0;
  for (const x of extraOf(layout)) n += Math.max(0, Math.min(end, x.end) - Math.max(start, x.start));
  return n;
}

export const PFNS_PER_GIB = 1 << 18; // 4 KiB pages
export const PFNS_PER_MIB = 1 << 8;

/** The MFN the domain builder gave a RAM pfn at boot: distinct from the pfn (so identity and RAM never coincide), deterministic. */
export function bootMfn(pfn: number): number {
  return 0x4000000 + pfn;
}

/** Boot fill of a wholly-RAM leaf straight into its lanes (bootMfn < 2^32, so the hi lane is 0): building a dense guest is the untimed setup of every case. */
export function fillRamLeaf(lanes: Uint32Array, base: number, firstPfn: number, perPage: number, wide: boolean): void {
  const m0 = bootMfn(firstPfn);
  if (wide) {
    for (let j = 0; j < perPage; j++) {
      lanes[base + 2 * j] = m0 + j;
      lanes[base + 2 * j + 1] = 0;
    }
  } else {
    for (let j = 0; j < perPage; j++) lanes[base + j] = m0 + j;
  }
}

/**
 * What a pfn holds at boot: the real entry value (view) of the layout. `aboveIdentity`: the
 * list's rule, every pfn from ALIGN(nr_pages) up reads IDENTITY_FRAME(pfn) except extra
 * memory (xen_chk_extra_mem); the tree's missing pages read INVALID.
 */
export function bootEntry(enc: Encoding, layout: Layout, pfn: number, aboveIdentity = false): number {
  const r = rangeAt(layout, pfn);
  if (r !== null) return r.kind === 'ram' ? bootMfn(pfn) : pfn + enc.IDENTITY;
  if (aboveIdentity && pfn >= initialEnd(layout, enc.perPage) && !inExtra(layout, pfn)) return pfn + enc.IDENTITY;
  return enc.INVALID;
}

export function rangeAt(layout: Layout, pfn: number): Range | null {
  const rs = layout.ranges;
  let lo = 0;
  let hi = rs.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const r = rs[mid]!;
    if (pfn < r.start) hi = mid - 1;
    else if (pfn >= r.end) lo = mid + 1;
    else return r;
  }
  return null;
}

/** Kind of the chunk [start, end): 'ram' or 'ident' if wholly so, 'missing' if wholly missing, else 'mixed'. */
export function chunkKind(layout: Layout, start: number, end: number): 'ram' | 'ident' | 'missing' | 'mixed' {
  let ram = 0;
  let ident = 0;
  for (const r of layout.ranges) {
    if (r.end <= start) continue;
    if (r.start >= end) break;
    const ov = Math.min(end, r.end) - Math.max(start, r.start);
    if (r.kind === 'ram') ram += ov;
    else ident += ov;
  }
  const n = end - start;
  if (ram === n) return 'ram';
  if (ident === n) return 'ident';
  if (ram === 0 && ident === 0) return 'missing';
  return 'mixed';
}

/** highest pfn + 1 the layout populates (RAM or identity); 0 if none */
export function populatedEnd(layout: Layout): number {
  const last = layout.ranges[layout.ranges.length - 1];
  return last === undefined ? 0 : last.end;
}

export function ramPfns(layout: Layout): number {
  let n = 0;
  for (const r of layout.ranges) if (r.kind === 'ram') n += r.end - r.start;
  return n;
}

function gib(g: number): number {
  return Math.round(g * PFNS_PER_GIB);
}

function mk(span: number, ranges: Array<[number, number, RangeKind]>): Layout {
  const rs = ranges
    .map(([s, e, kind]) => ({ start: Math.min(s, span), end: Math.min(e, span), kind }))
    .filter((r) => r.end > r.start);
  return { span, ranges: rs };
}

/** an entry of the E820 Xen supplies (XENMEM_memory_map / XENMEM_machine_memory_map): RAM or not */
export interface E820Entry {
  readonly start: number;
  readonly end: number;
  readonly ram: boolean;
}

/** ISA_START_ADDRESS..ISA_END_ADDRESS (0xa0000-0x100000) in pfns */
export const ISA_START_PFN = 0xa0;
export const ISA_END_PFN = 0x100;

/**
 * Linux arch/x86/xen/setup.c:xen_set_identity_and_remap(nr_pages) over the E820 Xen supplies:
 * the domain builder populated pfns 0..nr_pages-1 whatever the map says; every non-RAM region
 * (and gap) becomes identity, and the RAM frames the builder put under the part of it below
 * nr_pages are moved (xen_do_set_identity_and_remap_chunk, xen_remap_memory) to successive pfns
 * from nr_pages up, taken from the E820's RAM regions in order (xen_find_pfn_range skips what is
 * not RAM). Returns the boot ranges, sorted and merged; the remapped RAM is counted by
 * xen_count_remap_pages, so none of it is lost. The E820 must hold RAM for every remapped page
 * (else the real code releases them to Xen, xen_set_identity_and_release_chunk: an error here).
 */
export function identityAndRemap(e820: readonly E820Entry[], nrPages: number): Range[] {
  const out: Range[] = [];
  let remap = nrPages;
  /** xen_find_pfn_range: the next E820 RAM at or above min, and how much of it there is */
  const findRange = (min: number): { start: number; size: number } | null => {
    for (const e of e820)
      if (e.ram && e.end > min) return { start: Math.max(e.start, min), size: e.end - Math.max(e.start, min) };
    return null;
  };
  for (const e of e820) {
    if (e.ram) {
      if (e.start < nrPages) out.push({ start: e.start, end: Math.min(e.end, nrPages), kind: 'ram' });
      continue;
    }
    out.push({ start: e.start, end: e.end, kind: 'ident' });
    for (let cur = e.start; cur < Math.min(e.end, nrPages); ) {
      const f = findRange(remap);
      if (f === null) throw new Error(`p2m layout: no E820 RAM above pfn ${remap} to remap the RAM under pfn ${cur}`);
      const size = Math.min(Math.min(e.end, nrPages) - cur, f.size);
      out.push({ start: f.start, end: f.start + size, kind: 'ram' });
      cur += size;
      remap = f.start + size;
    }
  }
  out.sort((a, b) => a.start - b.start);
  const merged: Range[] = [];
  for (const r of out) {
    const last = merged[merged.length - 1];
    if (last !== undefined && last.kind === r.kind && last.end === r.start)
      merged[merged.length - 1] = { ...last, end: r.end };
    else merged.push(r);
  }
  return merged;
}

export const LAYOUTS = ['dense', 'pc', 'hotplug', 'islands'] as const;
export type LayoutName = (typeof LAYOUTS)[number];

/**
 * Named layouts for a guest of `gibs` GiB (the E820's end; for `pc`, the initial allocation):
 * - dense: RAM from 0 to the span
 * - pc: a host-style E820 (dom0, or a domU with e820_host): the ISA hole 0xa0-0x100, a
 *   misaligned reserved range 1029 MiB-2001 MiB (the example in the tree's header comment), a
 *   1 GiB-aligned PCI hole at 3-4 GiB, RAM elsewhere; `gibs` GiB populated by the builder, so
 *   xen_set_identity_and_remap makes the three holes identity and moves the RAM under them
 *   above the allocation (identityAndRemap): the span ends where the remapped RAM ends, and the
 *   E820 holds no RAM beyond it (no extra memory)
 * - hotplug: `mem` GiB of RAM (4 by default) in an E820 of the whole span, the extra memory
 *   above it clamped to EXTRA_MEM_RATIO x mem (xen_memory_setup); the rest of the span unusable
 * - islands: 1 GiB of RAM at 0 and 1 GiB at the top of the span
 * (Layout D, ballooned up and back down, is not a boot layout: it is hotplug plus balloon operations.)
 */
export function namedLayout(name: string, gibs: number, memGibs = Math.min(4, gibs)): Layout {
  const span = gib(gibs);
  switch (name) {
    case 'dense':
      return mk(span, [[0, span, 'ram']]);
    case 'pc': {
      const m = PFNS_PER_MIB;
      const holes: Array<[number, number]> = [
        [ISA_START_PFN, ISA_END_PFN],
        [1029 * m, 2001 * m],
        [gib(3), gib(4)],
      ];
      const e820: E820Entry[] = [];
      let at = 0;
      for (const [a, b] of holes) {
        e820.push({ start: at, end: a, ram: true }, { start: a, end: b, ram: false });
        at = b;
      }
      e820.push({ start: at, end: Number.MAX_SAFE_INTEGER, ram: true });
      const ranges = identityAndRemap(e820, span);
      const end = ranges.filter((r) => r.kind === 'ram').reduce((e, r) => Math.max(e, r.end), 0);
      return {
        span: end,
        ranges: ranges.filter((r) => r.start < end).map((r) => ({ ...r, end: Math.min(r.end, end) })),
      };
    }
    case 'hotplug': {
      const mem = gib(Math.min(memGibs, gibs));
      const extraEnd = Math.min(span, mem + EXTRA_MEM_RATIO * mem);
      return { ...mk(span, [[0, mem, 'ram']]), extra: extraEnd > mem ? [{ start: mem, end: extraEnd }] : [] };
    }
    case 'islands':
      return gibs <= 2
        ? mk(span, [[0, span, 'ram']])
        : mk(span, [
            [0, gib(1), 'ram'],
            [span - gib(1), span, 'ram'],
          ]);
    default:
      throw new Error(`unknown p2m layout '${name}' (known: ${LAYOUTS.join(', ')})`);
  }
}

/** leaf pages a layout's ranges (and, with `extra`, its extra memory) can need at boot: an arena size hint, not a count */
export function leafHint(layout: Layout, perPage: number, extra = false): number {
  let n = 0;
  for (const r of layout.ranges) n += Math.ceil((r.end - r.start) / perPage) + 1;
  if (extra) for (const x of extraOf(layout)) n += Math.ceil((x.end - x.start) / perPage) * 1.003 + 2;
  return n;
}
