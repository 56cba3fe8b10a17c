// demand: Andrew Cooper's proposal. Before the guest runs, type only what its vCPUs need to
// execute: the L1s mapping each %rip and %rsp (the upper levels above them are shadowed
// read-only, not typed); resume in a hybrid shadow mode; turn every fault on an untyped L1
// into its typeref (sh_page_fault → promote_l1_table); and run a background pass that pins
// the stream's pinned tables (as pin_pagetables() would) until every page table the stream
// names is validated, so that shadow mode can be turned off.
//
// The stream's types are what makes this safe: while the frame table is incomplete, a frame
// the stream names as a page table must not be mapped writable even though the new frame
// table has not typed it yet (the shadow code's _sh_propagate drops _PAGE_RW for frames
// that are page tables; here "is a page table" must come from the stream). That holds for every
// mmu_update while shadow mode is on, into a typed L1 as well: mod_l1_entry alone would give a
// writable reference to a table frame not typed yet, and the background pass would then fail
// to type it. A typeref taken
// for a fault is held by the shadow of that L1 and dropped when shadow mode is turned off,
// by which time the L1's own references (its L2 entry, its pin) are in place.
import { F_VALIDATED, PGT_L1, PGT_L4 } from './frametable.js';
import { streamTypesPolicy } from './hybrid.js';
import { W_FAULTS } from './typeref.js';
import {
  type HybridPolicy,
  markAllocatedFromStream,
  PFINFO_LPINTAB,
  PFINFO_LTAB_MASK,
  type UpdateOutcome,
  type UpdateRun,
} from './variant.js';

export const name = 'demand';
export const summary =
  'type the L1s under %rip/%rsp, resume in hybrid shadow mode, faults and a background pass do the rest';

export const hybrid: HybridPolicy | null = streamTypesPolicy;

export function update(run: UpdateRun): UpdateOutcome {
  const { h, refs, ft, work } = run;
  const types = h.pfnTypes;
  markAllocatedFromStream(run);
  const shadowRef = new Uint8Array(h.frames);
  const typeL1 = (f: number): void => {
    if ((ft.flags[f]! & F_VALIDATED) !== 0 && ft.count[f]! > 0) return;
    if (!refs.getPageType(f, PGT_L1)) throw new Error(`demand: the L1 in frame ${f} does not validate`);
    shadowRef[f] = 1;
  };
  for (let v = 0; v < h.cr3.length; v++) {
    typeL1(h.ripL1[v]!);
    typeL1(h.rspL1[v]!);
  }
  run.resume();

  // the background pass: the stream's pinned tables in pfn order, a few per guest operation,
  // paced to finish about halfway through the guest's operations
  const pinned: number[] = [];
  for (let f = 0; f < types.length; f++) if ((types[f]! & PFINFO_LPINTAB) !== 0) pinned.push(f);
  const ops = h.ops;
  const step = Math.ceil(pinned.length / Math.max(1, ops.length >>> 1));
  let k = 0;
  const background = (n: number): void => {
    for (let s = 0; s < n && k < pinned.length; s++, k++) {
      const f = pinned[k]!;
      if (!refs.pin(f, types[f]! & PFINFO_LTAB_MASK)) throw new Error(`demand: background pin of frame ${f} fails`);
    }
  };
  for (let i = 0; i < ops.length; i++) {
    background(step);
    const op = ops[i]!;
    if (op >= 0) {
      if ((ft.flags[op]! & F_VALIDATED) === 0 || ft.count[op] === 0) {
        work[W_FAULTS]!++;
        typeL1(op);
      }
    } else run.decide(i, streamTypesPolicy.mayMapWritable(ft, types, -op - 1));
  }
  background(pinned.length);
  for (let v = 0; v < h.cr3.length; v++) {
    if (!refs.getPageType(h.cr3[v]!, PGT_L4)) throw new Error(`demand: %cr3 of vCPU ${v} does not validate`);
  }

  // shadow mode off: count what the stream names as a page table and is still unvalidated
  let unvalidated = 0;
  for (let f = 0; f < types.length; f++) {
    if ((types[f]! & PFINFO_LTAB_MASK) !== 0 && (ft.flags[f]! & F_VALIDATED) === 0) unvalidated++;
  }
  for (let f = 0; f < shadowRef.length; f++) if (shadowRef[f] === 1) refs.putPageType(f);
  return { unvalidatedAtShadowOff: unvalidated };
}
