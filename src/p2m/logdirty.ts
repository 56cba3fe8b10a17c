// What Xen's log-dirty marks when a PV guest changes its p2m, and what the migration stream
// therefore tells the destination about each pfn.
//
// Xen marks a pfn dirty in paging_mark_dirty / paging_mark_pfn_dirty (xen/arch/x86/mm/paging.c).
// For a PV guest log-dirty is shadow mode: the shadow l1e of a writable mapping stays read-only
// until the first write after each CLEAN, and that write fault marks the written frame
// (xen/arch/x86/mm/shadow/multi.c:_sh_propagate, "Only allow the guest write access to a page
// a) on a demand fault, or b) if the page is already marked as dirty"). The guest writes its
// p2m with ordinary stores through its own writable mapping, so every entry store dirties the
// p2m page holding the entry, which the next round resends as plain page data.
//
// The entry's target pfn is marked by none of the operations behind a p2m write:
// - populate_physmap and memory_exchange (xen/common/memory.c) call guest_physmap_add_page,
//   which for a PV guest only sets the m2p (xen/arch/x86/mm/physmap.c); decrease_reservation's
//   guest_remove_page calls guest_physmap_remove_page, a no-op for PV. Linux's
//   xen_remap_exchanged_ptes (arch/x86/xen/mmu_pv.c) writes the PTE and the p2m entry and issues
//   no MMU_MACHPHYS_UPDATE, the one mmu_update that marks a pfn (xen/arch/x86/mm.c:do_mmu_update).
// - grant map and unmap (xen/common/grant_table.c:unmap_common -> gnttab_mark_dirty(rd, ...))
//   mark the granting domain's frame in the granter's log-dirty, not the mapping domain's pfn.
// This is the known issue of docs/features/migration.pandoc: "x86 PV ballooning (P2M marked
// dirty, target frame not marked)".
//
// A target pfn is sent again only when the guest itself writes the page. The model's guest
// writes every page it receives an own frame for (the balloon hands populated pages to the page
// allocator, an exchanged region is a DMA buffer) within the round it receives it, and never
// writes a page it gave back (it has no mapping left) or grant-mapped (the backend writes the
// granter's frame). The stream's last word on a pfn is what the toolstack read through its view
// when it last sent it: page data (the destination populates it) or XTAB (xg_sr_save.c:
// write_batch, "Likely a ballooned page"); restore never depopulates (xg_sr_restore.c:
// populate_pfns), and update_guest_p2m writes its own p2m over the guest's p2m frames.
import { type Encoding, hasForeignBit, hasIdentityBit } from './entry.js';
import type { P2m, ToolView } from './variant.js';

/** an entry naming one of the domain's own frames (INVALID, identity and grant mappings do not) */
export function ownFrame(enc: Encoding, e: number): boolean {
  return e !== enc.INVALID && !hasIdentityBit(enc, e) && !hasForeignBit(enc, e);
}

/** the guest writes the page after this set (it received an own frame), which marks the pfn dirty */
export function guestWritesPage(enc: Encoding, e: number): boolean {
  return ownFrame(enc, e);
}

/** what the toolstack sends for pfn now: page data iff its entry, read through the view, names an own frame */
export function sendsData(p: P2m, view: ToolView, pfn: number): boolean {
  const per = p.enc.perPage;
  const slot = Math.floor(pfn / per);
  if (slot >= view.leaves.length) return false; // beyond the tools' max_pfn: never sent
  return ownFrame(p.enc, p.readFrame(view.leaves[slot]!, pfn % per));
}

/** the destination as the stream describes it, for the pfns the guest changes during the migration */
export class DestinationP2m {
  /** pfn -> the stream's last word: page data (true) or XTAB (false) */
  private readonly last = new Map<number, boolean>();
  private readonly resent = new Set<number>();
  /** pfns whose entry the guest changed (a store that left the entry as it was is no change) */
  private readonly changed = new Set<number>();
  /** p2m pages the guest's entry stores dirtied, summed over the rounds (each resent as page data) */
  p2mPageResends = 0;
  private readonly roundPages = new Set<number>();

  constructor(
    private readonly p: P2m,
    private readonly view: ToolView,
  ) {}

  /** before the guest first changes pfn: send_all_pages (the first round) sent it as it was then */
  beforeChange(pfn: number): void {
    if (!this.last.has(pfn)) this.last.set(pfn, sendsData(this.p, this.view, pfn));
  }

  /** the guest's store changed the entry of pfn: the p2m page holding it is dirtied (a shadow write fault) */
  stored(pfn: number): void {
    this.changed.add(pfn);
    this.roundPages.add(this.p.currentLeaf(Math.floor(pfn / this.p.enc.perPage)));
  }

  /** the round's dirty bitmap: its p2m pages, and the pages the guest wrote, sent again */
  endRound(written: Iterable<number>): void {
    this.p2mPageResends += this.roundPages.size;
    this.roundPages.clear();
    for (const pfn of written) {
      this.last.set(pfn, sendsData(this.p, this.view, pfn));
      this.resent.add(pfn);
    }
  }

  /**
   * At the end of a completed migration: `leaked` pfns the stream sent as data and never
   * again, whose frame the guest gave back or replaced by a grant mapping (the destination
   * keeps a frame the guest no longer has); `lost` pfns that hold an own frame at suspend but
   * that the stream last described as XTAB (read through a stale leaf or beyond max_pfn: the
   * page's contents never reach the destination); `unsent` changed pfns never sent again.
   */
  outcome(): { changed: number; unsent: number; leaked: number; lost: number } {
    let leaked = 0;
    let lost = 0;
    for (const [pfn, data] of this.last) {
      const own = ownFrame(this.p.enc, this.p.raw(pfn));
      if (data && !own) leaked++;
      else if (!data && own) lost++;
    }
    let unsent = 0;
    for (const pfn of this.changed) if (!this.resent.has(pfn)) unsent++;
    return { changed: this.changed.size, unsent, leaked, lost };
  }
}
