// The reference: the type state the old Xen holds when the update starts, obtained by
// replaying the guest's own history on the old Xen (the same type rules, typeref.ts):
// every frame allocated to the domain, the guest's pins in the order it made them, then one
// type reference per vCPU on its %cr3 (v->arch.guest_table, taken by new_guest_cr3). From
// that state come the two things a new Xen could be handed: the migration stream's per-pfn
// types (getpageframeinfo3) and the old frame table itself, in the old Xen's layout.
import { F_ALLOCATED, F_PINNED, F_VALIDATED, FrameTable, PGT_L1, PGT_L4 } from './frametable.js';
import type { LiveUpdateLoad } from './load.js';
import { encodeOld } from './oldlayout.js';
import { newWork, TypeRefs } from './typeref.js';
import { type Handover, PFINFO_LPINTAB, PFINFO_NOTAB } from './variant.js';

export interface OldXen {
  readonly ft: FrameTable;
  readonly handover: Handover;
}

export function oldXenState(load: LiveUpdateLoad): FrameTable {
  const mem = load.shape.mem;
  const ft = new FrameTable(load.c.frames);
  ft.flags.fill(F_ALLOCATED);
  const refs = new TypeRefs(ft, mem, newWork());
  const pins = load.shape.pins;
  for (let i = 0; i < pins.length; i++) {
    if (!refs.pin(pins[i]!, load.shape.pinLevel[i]!))
      throw new Error(`load: the guest's pin of frame ${pins[i]} fails`);
  }
  for (const f of load.cr3) if (!refs.getPageType(f, PGT_L4)) throw new Error(`load: %cr3 ${f} is not a valid L4`);
  return ft;
}

/** XEN_DOMCTL_getpageframeinfo3's answer for every pfn */
export function streamTypes(ft: FrameTable): Uint8Array {
  const out = new Uint8Array(ft.frames);
  for (let f = 0; f < ft.frames; f++) {
    const t = ft.type[f]!;
    const fl = ft.flags[f]!;
    let v = t >= PGT_L1 && t <= PGT_L4 ? t : PFINFO_NOTAB;
    if ((fl & F_PINNED) !== 0) v |= PFINFO_LPINTAB;
    else if ((fl & F_VALIDATED) === 0) v = PFINFO_NOTAB;
    out[f] = v;
  }
  return out;
}

export function oldXen(load: LiveUpdateLoad): OldXen {
  const ft = oldXenState(load);
  return {
    ft,
    handover: {
      frames: load.c.frames,
      mem: load.shape.mem,
      cr3: load.cr3,
      ripL1: load.ripL1,
      rspL1: load.rspL1,
      pfnTypes: streamTypes(ft),
      oldFrameTable: encodeOld(ft),
      layout: load.c.pageinfo,
      ops: load.ops,
    },
  };
}
