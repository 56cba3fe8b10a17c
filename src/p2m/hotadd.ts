// The hot-add load: the balloon asked for more than the E820 holds, so Linux
// drivers/xen/balloon.c:reserve_additional_memory adds memory in whole sections. It takes the
// first free section-aligned range of iomem (additional_memory_resource: above the E820's
// end, here maxmem), and, for a PV guest, writes INVALID_P2M_ENTRY over every pfn of it before
// add_memory_resource, "so the correct non-present PTEs will be written": one burst of a
// section's worth of set_phys_to_machine. The onlined pages go to the balloon
// (xen_online_page -> __balloon_append), which then populates them as its credit allows
// (increase_reservation: set_phys_to_machine(pfn, mfn)).
//
// Where that burst lands: the tree leaves it p2m_missing (INVALID into a missing leaf is a
// no-op) and allocates on the populates; the >= 4.3 list has identity slots there, inside
// its 512 GiB area, and every 2 MiB of the section gets a private leaf (a PTE page per
// GiB) during the burst itself; the 3.19-4.2 list ends at xen_max_p2m_pfn, so INVALID
// beyond it is accepted and the populates are refused.
import type { Rng } from '../harness/kit.js';
import type { Encoding } from './entry.js';

interface Ops {
  set(pfn: number, e: number): void;
  lookup(pfn: number): void;
}

/** PAGES_PER_SECTION on x86-64: SECTION_SIZE_BITS 27, 128 MiB */
export const SECTION_PFNS = 1 << 15;
/** pages the balloon populates in the new section (its credit) */
export const POPULATE = 1024;

/** one section hot-added at the first section boundary at or above `end` (the E820's end) */
export function hotAdd(b: Ops, rng: Rng, enc: Encoding, end: number, mfn: () => number): number {
  const base = Math.ceil(end / SECTION_PFNS) * SECTION_PFNS;
  for (let i = 0; i < SECTION_PFNS; i++) b.set(base + i, enc.INVALID); // reserve_additional_memory
  // balloon_process: increase_reservation over the ballooned list; its head is the section's
  // highest pfn (__balloon_append puts each page at the head), so from the top down
  for (let i = 0; i < POPULATE; i++) {
    const pfn = base + SECTION_PFNS - 1 - i;
    b.set(pfn, mfn());
    if (rng.chance(0.25)) b.lookup(pfn);
  }
  return base;
}
