// The driver-domain load: what a PV backend (blkback, netback) does to its own p2m while the
// domain is being migrated. Andrew Cooper in the 2014 thread: the toolstack must notice "any
// change to the p2m whatsoever", naming grant map/unmap and XENMEM_exchange beside the
// balloon. Nobody migrated a domain holding foreign mappings while backends lived in dom0.
//
// - Grant map (Linux drivers/xen/grant-table.c:gnttab_map_refs ->
//   arch/x86/xen/p2m.c:set_foreign_p2m_mapping): the page must be ballooned (its entry
//   INVALID); its entry becomes FOREIGN_FRAME(mfn). Unmap (clear_foreign_p2m_mapping) writes
//   INVALID back. The pages come from gnttab_alloc_pages -> alloc_xenballooned_pages, which
//   takes them off the balloon's list (drivers/xen/balloon.c:balloon_retrieve takes the head;
//   balloon_append puts each non-highmem page at the head, so the extra memory, appended in
//   pfn order at boot, comes off highest pfn first). With no ballooned page left it balloons
//   RAM out (add_ballooned_pages -> decrease_reservation: the entry becomes INVALID first).
//   A backend keeps its pages (blkback's free_pages pool), so an unmapped page is reused.
// - XENMEM_exchange (arch/x86/xen/mmu_pv.c:xen_create_contiguous_region, for swiotlb-xen and
//   coherent DMA): xen_zap_pfn_range writes INVALID over the 2^order pfns, xen_exchange_memory
//   trades the frames for one machine-contiguous extent, xen_remap_exchanged_ptes writes
//   mfn + i back into each entry.
import type { Rng } from '../harness/kit.js';
import { hasForeignBit, type Encoding } from './entry.js';

type Intervals = ReadonlyArray<readonly [number, number]>;

interface Ops {
  set(pfn: number, e: number): void;
  lookup(pfn: number): void;
}

/** the backend's grant-page cache: blkback's default xen_blkif_max_pgrants is 1056 */
export const GRANT_PAGES = 1024;
/** requests in flight before the oldest is completed and unmapped (a blkif ring of 32) */
export const RING = 32;
/** segments per request (BLKIF_MAX_SEGMENTS_PER_REQUEST) */
export const SEGMENTS = 11;
/** largest exchange order (coherent DMA buffers of up to 64 KiB) */
export const MAX_ORDER = 4;
/** sets the load emits (the other loads' SETS) */
const SETS = 1024;

function pickIn(rng: Rng, iv: Intervals): number {
  let n = 0;
  for (const [a, b] of iv) n += b - a;
  let k = Math.floor(rng.float() * n);
  for (const [a, b] of iv) {
    if (k < b - a) return a + k;
    k -= b - a;
  }
  throw new Error('driver: no RAM to pick from');
}

/** the aligned 2^order run around pfn, if it lies inside one RAM interval */
function ramRun(iv: Intervals, pfn: number, order: number): number {
  const base = pfn - (pfn % (1 << order));
  for (const [a, b] of iv) if (base >= a && base + (1 << order) <= b) return base;
  return -1;
}

export function driverDomain(
  b: Ops,
  rng: Rng,
  enc: Encoding,
  ram: Intervals,
  extra: Intervals,
  mfn: () => number,
): void {
  // the balloon's list: the extra memory from its highest pfn down
  let balloonTop = extra.length > 0 ? extra[extra.length - 1]![1] : 0;
  let extraIdx = extra.length - 1;
  const taken = new Set<number>(); // RAM pages already ballooned out for grants, or exchanged
  const free: number[] = []; // the backend's unmapped grant pages
  const inFlight: number[][] = [];
  let sets = 0;
  const set = (pfn: number, e: number): void => {
    b.set(pfn, e);
    sets++;
  };
  let owned = 0;
  const grantPage = (): number => {
    const reuse = free.pop();
    if (reuse !== undefined) return reuse;
    if (owned >= GRANT_PAGES) return -1;
    owned++;
    while (extraIdx >= 0 && balloonTop <= extra[extraIdx]![0]) {
      extraIdx--;
      if (extraIdx >= 0) balloonTop = extra[extraIdx]![1];
    }
    if (extraIdx >= 0) return --balloonTop; // already INVALID: ballooned since boot
    for (;;) {
      const pfn = pickIn(rng, ram);
      if (taken.has(pfn)) continue;
      taken.add(pfn);
      set(pfn, enc.INVALID); // decrease_reservation
      return pfn;
    }
  };
  const complete = (): void => {
    const req = inFlight.shift();
    if (req === undefined) return;
    for (const pfn of req) {
      set(pfn, enc.INVALID); // clear_foreign_p2m_mapping
      free.push(pfn);
    }
  };
  while (sets < SETS) {
    if (rng.chance(0.05)) {
      const order = rng.int(MAX_ORDER + 1);
      const base = ramRun(ram, pickIn(rng, ram), order);
      if (base < 0) continue;
      let clash = false;
      for (let i = 0; i < 1 << order; i++) if (taken.has(base + i)) clash = true;
      if (clash) continue; // a ballooned-out page is not the kernel's to exchange
      const m = mfn();
      const out = m - (m % (1 << order)); // the machine-contiguous extent Xen returns
      for (let i = 0; i < 1 << order; i++) set(base + i, enc.INVALID); // xen_zap_pfn_range
      for (let i = 0; i < 1 << order; i++) set(base + i, out + i); // xen_remap_exchanged_ptes
      b.lookup(base);
      continue;
    }
    if (inFlight.length >= RING) complete();
    const n = 1 + rng.int(SEGMENTS);
    const req: number[] = [];
    for (let i = 0; i < n; i++) {
      const pfn = grantPage();
      if (pfn < 0) break;
      set(pfn, mfn() + enc.FOREIGN); // set_foreign_p2m_mapping: FOREIGN_FRAME(mfn)
      b.lookup(pfn);
      req.push(pfn);
    }
    if (req.length === 0) complete();
    else inFlight.push(req);
  }
}

/** what a driver-domain load did: grant maps and unmaps, exchanges and the frames they traded */
export function driverOps(
  enc: Encoding,
  ops: Uint8Array,
  values: Float64Array,
  opSet: number,
): {
  maps: number;
  invalidations: number;
  rewrites: number;
} {
  let maps = 0;
  let invalidations = 0;
  let rewrites = 0;
  for (let i = 0; i < ops.length; i++) {
    if (ops[i] !== opSet) continue;
    const e = values[i]!;
    if (e === enc.INVALID) invalidations++;
    else if (hasForeignBit(enc, e)) maps++;
    else rewrites++;
  }
  return { maps, invalidations, rewrites };
}
