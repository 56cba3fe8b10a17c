// walk: rebuild the type references by walking the page-table trees the vCPUs run on, as
// new_guest_cr3 would validate each %cr3 (Xen xen/arch/x86/mm.c: new_guest_cr3 →
// get_page_and_type_from_mfn(PGT_root_page_table) → promote_l4_table …). Nothing is carried
// across but the vCPUs' registers. What a walk cannot know (Jan Beulich's objection): which
// tables the guest pinned, the tables of processes not running (pinned, so typed, in the old
// Xen), and which frames are allocated to the domain beyond those it finds mapped.
import { F_ALLOCATED, F_VALIDATED, PGT_L4 } from './frametable.js';
import { runCompleteGuest, type HybridPolicy, type UpdateOutcome, type UpdateRun } from './variant.js';

export const name = 'walk';
export const summary = "validate the tree under each vCPU's %cr3; nothing carried across";

/** no hybrid shadow mode: the guest runs only once the walk is over */
export const hybrid: HybridPolicy | null = null;

export function update(run: UpdateRun): UpdateOutcome {
  const { h, refs, ft } = run;
  for (let v = 0; v < h.cr3.length; v++) {
    if (!refs.getPageType(h.cr3[v]!, PGT_L4))
      throw new Error(`walk: %cr3 of vCPU ${v} (frame ${h.cr3[v]}) does not validate`);
  }
  // the domain's frames as far as the walk can tell: the tables it typed and what they map
  const m = h.mem;
  for (let t = 0; t < m.frameOf.length; t++) {
    const f = m.frameOf[t]!;
    if ((ft.flags[f]! & F_VALIDATED) === 0) continue;
    ft.flags[f]! |= F_ALLOCATED;
    for (let i = m.start[t]!; i < m.start[t + 1]!; i++) ft.flags[m.target[i]!]! |= F_ALLOCATED;
  }
  run.resume();
  runCompleteGuest(run);
  return { unvalidatedAtShadowOff: -1 };
}
