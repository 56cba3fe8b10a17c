// demand mode's race, for the interleaving explorer: the guest's mmu_update of a PTE in an L1
// (T) that the new Xen has not typed yet, racing the background pass that is about to type
// another L1 (X, pinned in the old Xen) which the new entry maps writable. The old Xen
// refuses that mmu_update (mod_l1_entry → get_page_from_l1e → get_page_type(X, writable)
// fails on a page table). In hybrid shadow mode the write to the untyped T is emulated and
// its effect reaches the guest through a shadow entry (sh_page_fault → _sh_propagate, which
// drops _PAGE_RW for frames it believes are page tables); the background pass takes X's
// type (_get_page_type: 0→1 "validate locked", promote_l1_table, PGT_validated) and revokes
// writable shadow mappings of it (sh_remove_write_access). A violation: X ends up a validated
// page table while the guest holds a writable mapping of it.
import { type ExploreOptions, type ExploreResult, explore, formatTrace, type Model } from '../harness/kit.js';
import { F_VALIDATED, FrameTable, PGT_L1, PGT_L2 } from './frametable.js';
import { E_RW, type GuestTables, TablesBuilder } from './guest.js';
import { newWork, TypeRefs } from './typeref.js';
import { type HybridPolicy, PFINFO_LPINTAB, PFINFO_NOTAB } from './variant.js';

const L2 = 0;
const T = 1;
const X = 2;
const D = 3;
const D2 = 4;
const FRAMES = 5;
/** the entry of T the guest rewrites */
const T_SLOT = 1;

export interface RaceState {
  readonly ft: FrameTable;
  readonly refs: TypeRefs;
  readonly mem: GuestTables;
  readonly types: Uint8Array;
  /** writable shadow entries the guest can use, per target frame */
  readonly rwShadow: Uint8Array;
}

function init(): RaceState {
  const b = new TablesBuilder(FRAMES, 8);
  b.begin(L2, PGT_L2);
  b.entry(T, E_RW);
  b.entry(X, E_RW);
  b.begin(T, PGT_L1);
  b.entry(D, E_RW);
  b.entry(D2, 0); // the slot the guest rewrites: read-only D2 before
  b.begin(X, PGT_L1);
  b.entry(D2, 0);
  const mem = b.build();
  const ft = new FrameTable(FRAMES);
  const types = new Uint8Array(FRAMES);
  types[L2] = PGT_L2;
  types[T] = PGT_L1 | PFINFO_LPINTAB;
  types[X] = PGT_L1 | PFINFO_LPINTAB;
  types[D] = PFINFO_NOTAB;
  types[D2] = PFINFO_NOTAB;
  return { ft, refs: new TypeRefs(ft, mem, newWork()), mem, types, rwShadow: new Uint8Array(FRAMES) };
}

export function raceModel(policy: HybridPolicy): Model<RaceState> {
  const guest = function* (s: RaceState): Generator<string, void, void> {
    const slot = s.mem.start[s.mem.tableOf[T]!]! + T_SLOT;
    if (!policy.mayMapWritable(s.ft, s.types, X)) {
      yield 'mmu_update T[1] := X|RW refused (X is a page table)';
      return;
    }
    s.mem.target[slot] = X;
    s.mem.eflags[slot] = E_RW;
    yield 'mmu_update T[1] := X|RW accepted (T untyped: write emulated)';
    // the next access through the new entry faults and the shadow entry is propagated
    if (policy.mayMapWritable(s.ft, s.types, X)) {
      s.rwShadow[X]!++;
      yield 'access via T[1]: _sh_propagate makes the shadow entry writable';
    } else yield 'access via T[1]: _sh_propagate makes the shadow entry read-only';
  };
  const revoke = (s: RaceState): string => {
    s.rwShadow[X] = 0;
    return 'sh_remove_write_access(X)';
  };
  const background = function* (s: RaceState): Generator<string, void, void> {
    if (policy.revokeBeforeType) yield `background: ${revoke(s)}`;
    s.ft.type[X] = PGT_L1; // _get_page_type 0 -> 1: validate locked
    s.ft.count[X] = 1;
    yield 'background: get_page_type(X, L1): type count 0 -> 1, validate locked';
    if (!policy.revokeBeforeType) yield `background: ${revoke(s)}`;
    const ok = s.refs.promote(X, PGT_L1);
    yield `background: promote_l1_table(X) ${ok ? 'ok' : 'fails'}`;
    if (ok) s.ft.flags[X]! |= F_VALIDATED;
    yield 'background: X PGT_validated';
    const t = s.refs.pin(T, PGT_L1);
    yield t
      ? 'background: pin T ok'
      : 'background: pin T fails (T maps X writable: get_page_type(X, writable) refused)';
  };
  return {
    init,
    programs: [
      { name: 'guest', program: guest },
      { name: 'background', program: background },
    ],
    check: (s) =>
      (s.ft.flags[X]! & F_VALIDATED) !== 0 && s.ft.type[X] === PGT_L1 && s.rwShadow[X]! > 0
        ? { violation: 'frame X is a validated L1 page table and the guest holds a writable mapping of it', size: 1 }
        : null,
  };
}

export const RACE_OPTIONS: ExploreOptions = { maxSteps: 32, maxInterleavings: 4000, randomRuns: 200, seed: 1 };

export interface RaceFindings {
  readonly policy: string;
  readonly result: ExploreResult;
  readonly trace: string;
}

export function exploreRace(policy: HybridPolicy, options: ExploreOptions = RACE_OPTIONS): RaceFindings {
  const result = explore(raceModel(policy), options);
  return { policy: policy.name, result, trace: formatTrace(result) };
}
