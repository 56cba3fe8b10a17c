// The one interface every liveupdate variant implements: what the new Xen is handed when it
// takes over from the old one with the PV guest's memory left in place, and the shape of a
// rebuild. A variant knows nothing of the harness; it is given a fresh frame table and must
// leave in it the type state the old Xen had, calling resume() at the point where it lets the
// guest run again (everything before is blackout work).
import { F_ALLOCATED, type FrameTable } from './frametable.js';
import type { GuestTables } from './guest.js';
import type { PageInfoLayout } from './load.js';
import { type TypeRefs, W_BYTES_CARRIED } from './typeref.js';

// PAGE_DATA's per-pfn type (docs/specs/libxc-migration-stream.pandoc; XEN_DOMCTL_PFINFO_*),
// as XEN_DOMCTL_getpageframeinfo3 reports it (xen/arch/x86/domctl.c): the table level of a
// pinned or validated page table, else NOTAB; LPINTAB marks a pinned one.
export const PFINFO_NOTAB = 0x0;
export const PFINFO_LTAB_MASK = 0x7;
export const PFINFO_LPINTAB = 0x8;
export const PFINFO_XTAB = 0xf;

export interface Handover {
  readonly frames: number;
  /** the guest's memory, page tables included, untouched across the update */
  readonly mem: GuestTables;
  /** per vCPU (the stream's X86_PV_VCPU_BASIC): %cr3, and the L1s mapping %rip and %rsp */
  readonly cr3: Int32Array;
  readonly ripL1: Int32Array;
  readonly rspL1: Int32Array;
  /** the stream's type nibble per pfn, PFINFO_* */
  readonly pfnTypes: Uint8Array;
  /** the old Xen's frame table in its own binary layout (oldlayout.ts), for a transform */
  readonly oldFrameTable: Uint32Array;
  readonly layout: PageInfoLayout;
  /** the guest's operations after resume (load.ts): an L1 touched, or a frame it asks to map writable */
  readonly ops: Int32Array;
}

/** What the harness side of an update gives a variant. */
export interface UpdateRun {
  readonly h: Handover;
  readonly ft: FrameTable;
  readonly refs: TypeRefs;
  readonly work: Float64Array;
  /** the guest may run from now on: the work so far was the blackout */
  resume(): void;
  /** the decision taken on ops[i] (a request to map a frame writable) */
  decide(i: number, accepted: boolean): void;
}

/** How a hybrid shadow mode decides, while the frame table is incomplete, whether a frame may be mapped writable. */
export interface HybridPolicy {
  readonly name: string;
  mayMapWritable(ft: FrameTable, pfnTypes: Uint8Array, f: number): boolean;
  /** does the background pass revoke writable shadow mappings of a frame before it takes the type (true) or after (false)? */
  readonly revokeBeforeType: boolean;
}

export interface UpdateOutcome {
  /** hybrid shadow mode: page tables still unvalidated when it was turned off (-1: no shadow mode) */
  readonly unvalidatedAtShadowOff: number;
}

export interface LiveUpdateVariant {
  readonly name: string;
  /** one line: what this variant carries across and what it rebuilds */
  readonly summary: string;
  update(run: UpdateRun): UpdateOutcome;
  /** the hybrid shadow mode's policy, for a variant that runs the guest before its typerefs are complete; null otherwise */
  readonly hybrid: HybridPolicy | null;
}

/** The guest's operations once the frame table is complete: each request decided as Xen's mod_l1_entry would. */
export function runCompleteGuest(run: UpdateRun): void {
  const ops = run.h.ops;
  const ft = run.ft;
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i]!;
    if (op < 0) run.decide(i, ft.mayMapWritable(-op - 1));
  }
}

export function markAllocatedFromStream(run: UpdateRun): void {
  const t = run.h.pfnTypes;
  const flags = run.ft.flags;
  for (let f = 0; f < t.length; f++) if (t[f] !== PFINFO_XTAB) flags[f]! |= F_ALLOCATED;
  run.work[W_BYTES_CARRIED]! += t.length * 8; // one 8-byte pfn word (type in bits 63:60) per frame
}
