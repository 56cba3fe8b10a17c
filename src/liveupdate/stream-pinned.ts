// stream-pinned: carry what a PV migration stream carries (every pfn's type and pinned flag
// in PAGE_DATA, docs/specs/libxc-migration-stream.pandoc) and rebuild as a restore does today:
// libxenguest tools/libs/guest/xg_sr_restore_x86_pv.c:pin_pagetables() walks the pfns in
// order and issues MMUEXT_PIN_L?_TABLE for each one marked LPINTAB, which validates the whole
// tree below it; then each vCPU's context is set (arch_set_info_guest takes the %cr3 typeref).
// All of it before the guest runs.
import { PGT_L4 } from './frametable.js';
import {
  markAllocatedFromStream,
  PFINFO_LPINTAB,
  PFINFO_LTAB_MASK,
  runCompleteGuest,
  type HybridPolicy,
  type UpdateOutcome,
  type UpdateRun,
} from './variant.js';

export const name = 'stream-pinned';
export const summary =
  "carry the stream's types and pinned flags; pin every pinned table, then set %cr3, before resuming";

/** no hybrid shadow mode: the guest runs only once every pinned table is validated */
export const hybrid: HybridPolicy | null = null;

export function update(run: UpdateRun): UpdateOutcome {
  const { h, refs } = run;
  markAllocatedFromStream(run);
  const types = h.pfnTypes;
  for (let f = 0; f < types.length; f++) {
    const t = types[f]!;
    if ((t & PFINFO_LPINTAB) === 0 || (t & PFINFO_LTAB_MASK) === 0) continue;
    if (!refs.pin(f, t & PFINFO_LTAB_MASK)) throw new Error(`stream-pinned: pinning frame ${f} as L${t & 7} fails`);
  }
  for (let v = 0; v < h.cr3.length; v++) {
    if (!refs.getPageType(h.cr3[v]!, PGT_L4)) throw new Error(`stream-pinned: %cr3 of vCPU ${v} does not validate`);
  }
  run.resume();
  runCompleteGuest(run);
  return { unvalidatedAtShadowOff: -1 };
}
