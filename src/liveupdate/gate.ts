// The gate: after the variant's update is over (for demand, after its background pass), the
// frame table must equal the old Xen's frame by frame (type, type count, PGT_validated,
// PGT_pinned, PGC_allocated); every mmu_update request the guest made after resume must have
// been decided as the old Xen decides it (no writable mapping of a page table accepted, none
// refused that it would allow); the hybrid shadow mode must have left no page table
// unvalidated; and every event sent during the update is delivered once after resume.
import type { Gate } from '../harness/kit.js';
import { eventsAcrossUpdate } from './events.js';
import type { LiveUpdateLoad } from './load.js';
import type { OldXen } from './oldxen.js';
import { type UpdateResult, workUnits } from './update.js';
import { F_ALLOCATED, F_PINNED, type FrameTable, PGT_L1, PGT_L4, PGT_WRITABLE } from './frametable.js';

export function runGate(load: LiveUpdateLoad, old: OldXen, r: UpdateResult): Gate {
  const ops = load.ops;
  let probes = 0;
  let wrongProbes = 0;
  let firstWrong = -1;
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i]!;
    if (op >= 0) continue;
    probes++;
    const expected = old.ft.mayMapWritable(-op - 1) ? 1 : 0;
    if (r.decisions[i] !== expected) {
      wrongProbes++;
      if (firstWrong < 0) firstWrong = i;
    }
  }
  const probeNote = `${wrongProbes} of ${probes} mmu_update requests decided unlike the old Xen`;
  const d = r.ft.firstDifference(old.ft);
  if (d >= 0) {
    return {
      ok: false,
      at: d,
      expected: old.ft.describe(d),
      actual: `${r.ft.describe(d)} (${differenceSummary(old.ft, r.ft)}; ${probeNote})`,
    };
  }
  if (firstWrong >= 0) {
    const f = -ops[firstWrong]! - 1;
    const want = old.ft.mayMapWritable(f);
    return {
      ok: false,
      at: firstWrong,
      expected: `operation ${firstWrong}: mapping frame ${f} writable ${want ? 'accepted' : 'refused'} (${old.ft.describe(f)})`,
      actual: `${r.decisions[firstWrong] === 1 ? 'accepted' : r.decisions[firstWrong] === 0 ? 'refused' : 'never decided'} (${probeNote})`,
    };
  }
  if (r.outcome.unvalidatedAtShadowOff > 0) {
    return {
      ok: false,
      at: 0,
      expected: 'every page table validated when shadow mode is turned off',
      actual: `${r.outcome.unvalidatedAtShadowOff} still unvalidated`,
    };
  }
  const ev = eventsAcrossUpdate(load.c.vcpus, load.sendPhase, load.sendPorts, workUnits(r.blackout));
  if (ev.badPort >= 0) {
    return {
      ok: false,
      at: ev.badPort,
      expected: 'every event sent during the update delivered once',
      actual: ev.badDetail,
    };
  }
  return { ok: true, checked: load.c.frames + probes + ev.ports };
}

/** what kinds of state a rebuild lost, frame by frame against the old Xen's */
export function differenceSummary(old: FrameTable, got: FrameTable): string {
  let frames = 0;
  let unpinned = 0;
  let untyped = 0;
  let tableCounts = 0;
  let writableCounts = 0;
  let unallocated = 0;
  for (let f = 0; f < old.frames; f++) {
    const ot = old.type[f]!;
    const oc = old.count[f]!;
    const of = old.flags[f]!;
    if (ot === got.type[f] && oc === got.count[f] && of === got.flags[f]) continue;
    frames++;
    if ((of & F_PINNED) !== 0 && (got.flags[f]! & F_PINNED) === 0) unpinned++;
    if (ot >= PGT_L1 && ot <= PGT_L4) {
      if (got.count[f] === 0) untyped++;
      else if (got.count[f] !== oc) tableCounts++;
    }
    if (ot === PGT_WRITABLE && got.count[f] !== oc) writableCounts++;
    if ((of & F_ALLOCATED) !== 0 && (got.flags[f]! & F_ALLOCATED) === 0) unallocated++;
  }
  return `${frames} of ${old.frames} frames differ: ${unpinned} pinned tables not pinned, ${untyped} page tables left untyped, ${tableCounts} page tables with another type count, ${writableCounts} writable pages with another count, ${unallocated} allocated frames not known as allocated`;
}
