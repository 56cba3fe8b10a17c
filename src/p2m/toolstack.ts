// The toolstack's live migration over a variant, sequentially and deterministically: map the
// p2m (map_p2m), send every pfn once (xg_sr_save.c:send_all_pages), then dirty rounds while the
// guest applies a load's sets between them. Each round sends the pages Xen's log-dirty marked
// since the last one (logdirty.ts: the p2m pages the guest stored into and the pages it wrote,
// never a balloon's or a grant's target pfn), reading their p2m entries through the
// mapped leaves (pfn_to_gfn via xc_pfn_to_mfn, xg_sr_save_x86_pv.c / xg_sr_common_x86_pv.c),
// and ends in check_vm_state, which in list mode compares p2m_generation with the value
// recorded at map time and aborts on any difference (no remap, no retry: Xen commit 8429374f).
import { OP_SET, type P2mLoad } from './load.js';
import { withinCapacity } from './metrics.js';
import { hasForeignBit } from './entry.js';
import { DestinationP2m, guestWritesPage } from './logdirty.js';
import type { P2m, ToolView } from './variant.js';

export interface MigrationOutcome {
  /** dirty rounds run (the last one may have aborted) */
  readonly rounds: number;
  readonly aborted: boolean;
  /** of which: map_p2m_leaves' per-frame check refused the view before any round */
  readonly m2pAborted: boolean;
  /** structural changes the guest made while the view was in use */
  readonly changes: number;
  /** of those, made before an aborting check_vm_state (detected) */
  readonly detected: number;
  /** made and never noticed by a migration that completed */
  readonly missed: number;
  /** leaf slots whose mapped frame is not the guest's when the migration ends */
  readonly staleSlots: number;
  /** entry reads through the view, of pages log-dirty had the toolstack send again, that disagree with the guest's own lookup */
  readonly staleReads: number;
  /** the destination as the stream left it (logdirty.ts): meaningful when the migration completed */
  readonly destination: {
    readonly changed: number;
    readonly unsent: number;
    readonly leaked: number;
    readonly lost: number;
    readonly p2mPageResends: number;
  };
  readonly view: ToolView;
  /** the guest's p2m as the migration left it */
  readonly p2m: P2m;
}

/** pfns covered by the view whose entry, read through the mapped leaf, differs from the guest's */
export function staleRead(p: P2m, view: ToolView, pfn: number): boolean {
  const per = p.enc.perPage;
  const slot = Math.floor(pfn / per);
  if (slot >= view.leaves.length) return false; // beyond the tools' max_pfn: not sent at all
  return p.readFrame(view.leaves[slot]!, pfn % per) !== p.readFrame(p.currentLeaf(slot), pfn % per);
}

/**
 * map_p2m_leaves: every leaf MFN must pass mfn_in_pseudophysmap (m2p[mfn] within max_pfn
 * and p2m[m2p[mfn]] == mfn), else "Bad mfn in p2m_frame_list" and the save aborts. The
 * model has no guest pfn for a p2m frame; a frame passes iff the guest still owns it (it is
 * allocated and not given back), which is what the m2p/p2m round trip establishes. Checked
 * once, when the view is built, as the real code does. Returns the first bad slot, or -1.
 */
export function firstBadLeaf(p: P2m, view: ToolView): number {
  for (let i = 0; i < view.leaves.length; i++) if (!p.mem.isLive(view.leaves[i]!)) return i;
  return -1;
}

/** check_vm_state: list mode compares the generation; tree mode (generation -1) has nothing to compare */
export function checkVmState(p: P2m, view: ToolView): boolean {
  return view.generation < 0 || p.generation() === view.generation;
}

export function migrateAlongLoad(
  p: P2m,
  load: P2mLoad,
  rounds: number,
  opts: { rewritesOnly: boolean },
): MigrationOutcome {
  const view = p.mapForToolstack();
  const m2pAborted = firstBadLeaf(p, view) >= 0; // map_p2m_leaves refuses the view: nothing is sent
  const dest = new DestinationP2m(p, view);
  const sets: number[] = [];
  for (let i = 0; i < load.ops.length; i++) if (load.ops[i] === OP_SET) sets.push(i);
  const perRound = Math.ceil(sets.length / rounds);
  const base = p.structuralChanges;
  let staleReads = 0;
  let aborted = m2pAborted;
  let r = 0;
  for (; r < rounds && !aborted; r++) {
    // the pages Xen's log-dirty marks this round (logdirty.ts): the p2m pages the guest
    // stores into, and the pages it writes itself; never the target of a balloon or grant op
    const written: number[] = [];
    for (const i of sets.slice(r * perRound, (r + 1) * perRound)) {
      const pfn = load.pfns[i]!;
      const e = load.values[i]!;
      if (!withinCapacity(p, pfn, e)) continue; // refused beyond capacity
      dest.beforeChange(pfn);
      const before = p.raw(pfn);
      // rewritesOnly: a set that would need a new page is skipped (__set_phys_to_machine)
      const done = opts.rewritesOnly ? p.setNoAlloc(pfn, e) : p.set(pfn, e);
      if (!done) continue;
      if (p.raw(pfn) !== before) dest.stored(pfn);
      if (guestWritesPage(p.enc, e)) written.push(pfn);
    }
    for (const pfn of written) if (staleRead(p, view, pfn)) staleReads++;
    dest.endRound(written);
    if (!checkVmState(p, view)) aborted = true; // "p2m generation count changed. Migration aborted."
  }
  let staleSlots = 0;
  for (let s = 0; s < view.leaves.length; s++) if (view.leaves[s] !== p.currentLeaf(s)) staleSlots++;
  const changes = p.structuralChanges - base;
  return {
    rounds: r,
    aborted,
    m2pAborted,
    changes,
    detected: aborted ? changes : 0,
    missed: aborted ? 0 : changes,
    staleSlots,
    staleReads,
    destination: { ...dest.outcome(), p2mPageResends: dest.p2mPageResends },
    view,
    p2m: p,
  };
}

/**
 * At the final copy: the pfns the guest holds as FOREIGN_FRAME (a granted frame of another
 * domain, not this domain's page), and how many of them the toolstack reads as FOREIGN
 * through its view, and how many lie beyond the view's max_pfn (never looked at); the rest it
 * reads as whatever its stale leaf still says.
 */
export function foreignAtSuspend(
  p: P2m,
  view: ToolView,
  pfns: Iterable<number>,
): { guest: number; viaView: number; beyond: number } {
  const per = p.enc.perPage;
  let guest = 0;
  let viaView = 0;
  let beyond = 0;
  for (const pfn of pfns) {
    if (!hasForeignBit(p.enc, p.raw(pfn))) continue;
    guest++;
    const slot = Math.floor(pfn / per);
    if (slot >= view.leaves.length) beyond++;
    else if (hasForeignBit(p.enc, p.readFrame(view.leaves[slot]!, pfn % per))) viaView++;
  }
  return { guest, viaView, beyond };
}
