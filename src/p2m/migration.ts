// The migration walk against a guest that changes its p2m, as step programs for the
// interleaving explorer (src/harness/explore.ts). The argument is xen-devel, Nov 2014,
// "expand x86 arch_shared_info to support linear p2m list" (Andrew Cooper: the toolstack
// can be left with a stale frame in the middle of its view of the p2m); the toolstack side
// follows libxenguest tools/libs/guest/xg_sr_save.c (send_dirty_pages, check_vm_state) and
// xg_sr_save_x86_pv.c (map_p2m, x86_pv_check_vm_state).
//
// The toolstack (libxenguest save): map_p2m (the tree's frame-list walk, or the list's
// page-table walk after recording p2m_generation), then dirty rounds, each ending in
// check_vm_state (which compares p2m_generation for equality in list mode and does nothing
// in tree mode), then the final check after suspend. The guest: rewrites an entry
// (never structural), then first-touches a pfn in a wholly missing GiB (a new mid or PTE
// page and a new leaf: structural), then rewrites once more.
//
// A violation is the toolstack completing the migration while a leaf frame in its view is
// not the one the guest uses: a structural change slipped past it.
import {
  explore,
  formatTrace,
  SPIN_PREFIX,
  type ExploreOptions,
  type ExploreResult,
  type Model,
} from '../harness/kit.js';
import type { Width } from './entry.js';
import { PFNS_PER_GIB, PFNS_PER_MIB, type Layout } from './layout.js';
import { ownFrame } from './logdirty.js';
import { withinCapacity } from './metrics.js';
import { firstBadLeaf } from './toolstack.js';
import type { P2m, ToolView, VariantModule } from './variant.js';

/** what the explorer needs of a variant module: its compact build, and its boot build for a hot-add above maxmem */
export type WalkVariant = Pick<VariantModule, 'createCompact' | 'create'>;

/**
 * The guest's structural operation during the walk (each after one entry rewrite):
 * - first-touch: the balloon populates a pfn in a wholly missing GiB (the suite's walk)
 * - grant: a backend maps a grant onto a ballooned pfn of the extra memory and unmaps it
 *   (p2m.c:set_foreign_p2m_mapping / clear_foreign_p2m_mapping)
 * - exchange: XENMEM_exchange of a RAM pfn (mmu_pv.c:xen_create_contiguous_region: zap, then the new frame)
 * - hotadd: balloon.c:reserve_additional_memory above maxmem: INVALID into the section's first
 *   leaf, then the balloon populates a pfn there
 */
export const SCENARIOS = ['first-touch', 'grant', 'exchange', 'hotadd'] as const;
export type GuestScenario = (typeof SCENARIOS)[number];

export interface WalkState {
  readonly p2m: P2m;
  view: ToolView | null;
  generationAtMap: number;
  aborted: boolean;
  completed: boolean;
  /** stale leaf slots when the toolstack completed (the guest is suspended then: what it does afterwards runs on the destination) */
  staleAtCompletion: { count: number; first: number; had: number; uses: number } | null;
  /** of the scenario's pfns, one whose entry the final copy reads wrong through the view (or not at all, beyond max_pfn) */
  wrongAtCompletion: { pfn: number; reads: number; holds: number } | null;
}

/** a pfn the final copy translates wrong: the guest holds an own frame there that the view does not read (a stale leaf, or beyond its max_pfn), or the view reads an own frame the guest no longer holds */
function wrongPfn(s: WalkState, pfns: readonly number[]): { pfn: number; reads: number; holds: number } | null {
  const v = s.view;
  if (v === null) return null;
  const enc = s.p2m.enc;
  const per = enc.perPage;
  for (const pfn of pfns) {
    const slot = Math.floor(pfn / per);
    const holds = s.p2m.raw(pfn);
    const reads = slot < v.leaves.length ? s.p2m.readFrame(v.leaves[slot]!, pfn % per) : enc.INVALID;
    if (reads !== holds && (ownFrame(enc, holds) || ownFrame(enc, reads))) return { pfn, reads, holds };
  }
  return null;
}

/** 3 GiB span: RAM in the first and last 2 MiB, the middle GiB wholly missing */
export function walkLayout(): Layout {
  const span = 3 * PFNS_PER_GIB;
  return {
    span,
    ranges: [
      { start: 0, end: 2 * PFNS_PER_MIB, kind: 'ram' },
      { start: span - 2 * PFNS_PER_MIB, end: span, kind: 'ram' },
    ],
  };
}

/** the walk layout with its middle GiB as the balloon's extra memory (xen_extra_mem) */
export function walkLayoutExtra(): Layout {
  return { ...walkLayout(), extra: [{ start: PFNS_PER_GIB, end: 2 * PFNS_PER_GIB }] };
}

export function makeWalkP2m(variant: WalkVariant, width: Width = 64, scenario: GuestScenario = 'first-touch'): P2m {
  switch (scenario) {
    case 'grant':
      return variant.createCompact(width, walkLayoutExtra());
    case 'hotadd':
      return variant.create(width, walkLayout()); // room above maxmem: the >= 4.3 list's 512 GiB VA area
    default:
      return variant.createCompact(width, walkLayout());
  }
}

/** the pfns a scenario's guest changes after its rewrite */
function scenarioPfns(scenario: GuestScenario): number[] {
  const span = walkLayout().span;
  switch (scenario) {
    case 'first-touch':
      return [PFNS_PER_GIB + 5, PFNS_PER_GIB + 6];
    case 'grant':
      return [PFNS_PER_GIB + 5];
    case 'exchange':
      return [9];
    case 'hotadd':
      return [span, span + 1];
  }
}

function staleSlots(s: WalkState): { count: number; first: number } {
  const v = s.view;
  if (v === null) return { count: 0, first: -1 };
  let count = 0;
  let first = -1;
  for (let i = 0; i < v.leaves.length; i++) {
    if (v.leaves[i] !== s.p2m.currentLeaf(i)) {
      if (first < 0) first = i;
      count++;
    }
  }
  return { count, first };
}

export interface WalkCounts {
  /** interleavings where the toolstack aborted ("p2m generation count changed") */
  detected: number;
  /** interleavings where map_p2m_leaves' per-frame check aborted ("Bad mfn in p2m_frame_list") */
  m2pAborts: number;
}

/**
 * `checkpoints`: checkpoints after the live phase (a Remus/COLO stream, xg_sr_save.c:save):
 * the first checkpoint ends the live phase (ctx->save.live = false), the guest resumes with
 * p2m_generation reset to 0, and x86_pv_check_vm_state_p2m_list returns at once when not
 * live, so each later checkpoint sends with the view of the first.
 */
export function walkModel(
  variant: WalkVariant,
  rounds = 2,
  counts: WalkCounts = { detected: 0, m2pAborts: 0 },
  checkpoints = 0,
  scenario: GuestScenario = 'first-touch',
): Model<WalkState> {
  const rewrite = 7; // a populated pfn
  const pfns = scenarioPfns(scenario);
  const guest = function* (s: WalkState): Generator<string, void, void> {
    s.p2m.set(rewrite, 0x2000000);
    yield 'rewrite entry (atomic store)';
    const [a, b] = pfns;
    switch (scenario) {
      case 'first-touch': // a in the wholly missing middle GiB
        yield* s.p2m.setSteps(a!, 0x2000001);
        s.p2m.set(b!, 0x2000002); // the entry write that completes the first touch
        yield 'write entries in the new leaf';
        break;
      case 'grant': // a ballooned pfn of the extra memory
        yield* s.p2m.setSteps(a!, 0x2000001 + s.p2m.enc.FOREIGN);
        yield 'grant mapped (set_foreign_p2m_mapping)';
        s.p2m.set(a!, s.p2m.enc.INVALID);
        yield 'grant unmapped (clear_foreign_p2m_mapping)';
        break;
      case 'exchange':
        s.p2m.set(a!, s.p2m.enc.INVALID);
        yield 'xen_zap_pfn_range: INVALID';
        yield* s.p2m.setSteps(a!, 0x2000003);
        yield 'xen_remap_exchanged_ptes: the exchanged frame';
        break;
      case 'hotadd': // a is maxmem: the first pfn of the section
        yield* s.p2m.setSteps(a!, s.p2m.enc.INVALID);
        yield 'section invalidated; xen_alloc_p2m_entry grows max_pfn here, after its unlock, with no generation step';
        if (!withinCapacity(s.p2m, b!, 0x2000004)) {
          yield 'the populate is refused: beyond xen_p2m_size (__set_phys_to_machine)';
          break;
        }
        yield* s.p2m.setSteps(b!, 0x2000004);
        yield 'balloon populates a pfn of the section';
        break;
    }
  };
  const toolstack = function* (s: WalkState): Generator<string, void, void> {
    // map_p2m: the page-table walk iff the guest published a root, else the frame-list tree
    const listMode = s.p2m.publishedCr3() !== 0;
    if (listMode) {
      s.generationAtMap = s.p2m.generation();
      yield `get_p2m_generation = ${s.generationAtMap}`;
    }
    s.view = s.p2m.mapForToolstack();
    if (firstBadLeaf(s.p2m, s.view) >= 0) {
      s.aborted = true;
      counts.m2pAborts++;
      return; // "Bad mfn in p2m_frame_list": map_p2m_leaves fails, the save aborts
    }
    yield listMode ? 'map_p2m_list: page-table walk, leaves mapped' : 'map_p2m_tree: frame-list walk, leaves mapped';
    let live = true;
    const checkVmState = (): boolean => {
      if (listMode && live && s.p2m.generation() !== s.generationAtMap) {
        s.aborted = true;
        counts.detected++;
        return false; // "p2m generation count changed. Migration aborted."
      }
      return true;
    };
    for (let r = 1; r <= rounds; r++) {
      // send_dirty_pages: pfn_to_gfn through the mapped leaves (a stale leaf gives stale values),
      // then check_vm_state at its end
      if (!checkVmState()) return;
      yield `send dirty pages, round ${r}; check_vm_state ${listMode ? 'ok' : '(no check in tree mode)'}`;
    }
    // Suspend: the guest quiesces in stop_machine, so no CPU is inside p2m_update_lock (the
    // lists); the tree's lock-free cmpxchg sequence can stop between any two steps. From
    // suspend to the final copy the guest runs no step, so the three are one step here
    // (what the guest does after it runs on the destination).
    const view = s.view;
    for (let k = 0; k <= checkpoints; k++) {
      if (k > 0) {
        // the checkpoint was sent: the guest resumes (republishing shared_info), the stream goes on
        live = false;
        s.p2m.resumed();
        yield `guest resumed (p2m_generation = 0); checkpoint ${k + 1}: check_vm_state skipped (not live)`;
      }
      while (!s.p2m.quiescent()) yield `${SPIN_PREFIX}suspend waits for the guest to leave p2m_update_lock`;
      if (!checkVmState()) return; // the last send_dirty_pages ends in check_vm_state too
      const st = staleSlots(s);
      const wrong = wrongPfn(s, pfns);
      if (st.count > 0 || wrong !== null || k === checkpoints) {
        s.staleAtCompletion =
          st.count === 0 ? null : { ...st, had: view.leaves[st.first]!, uses: s.p2m.currentLeaf(st.first) };
        s.wrongAtCompletion = wrong;
        s.completed = true;
      }
      yield checkpoints === 0
        ? 'suspend the guest, final check_vm_state, final copy with the mapped view: migration completed'
        : `suspend the guest, send checkpoint ${k + 1} with the mapped view`;
    }
  };
  return {
    init: () => ({
      p2m: makeWalkP2m(variant, 64, scenario),
      view: null,
      generationAtMap: -1,
      aborted: false,
      completed: false,
      staleAtCompletion: null,
      wrongAtCompletion: null,
    }),
    programs: [
      { name: 'guest', program: guest },
      { name: 'toolstack', program: toolstack },
    ],
    check: (s) => {
      if (!s.completed) return null;
      const st = s.staleAtCompletion;
      if (st !== null)
        return {
          violation: `migration completed with a stale p2m view: leaf slot ${st.first} maps frame ${st.had}, the guest uses frame ${st.uses}`,
          size: st.count,
        };
      const w = s.wrongAtCompletion;
      if (w === null) return null;
      return {
        violation: `migration completed with pfn ${w.pfn} sent as ${w.reads === s.p2m.enc.INVALID ? 'absent' : w.reads} while the guest holds ${w.holds} (beyond or outside the view's max_pfn)`,
        size: 1,
      };
    },
  };
}

/** CHESS-style: every schedule with at most 2 preemptions, exhaustively (most concurrency bugs need at most 2) */
export const WALK_OPTIONS: ExploreOptions = {
  maxSteps: 64,
  maxInterleavings: 4000,
  randomRuns: 400,
  seed: 1,
  preemptionBound: 2,
};

export interface WalkFindings {
  readonly result: ExploreResult;
  readonly detected: number;
  readonly m2pAborts: number;
  readonly trace: string;
}

export function exploreWalk(
  variant: WalkVariant,
  options: ExploreOptions = WALK_OPTIONS,
  checkpoints = 0,
  scenario: GuestScenario = 'first-touch',
): WalkFindings {
  const counts = { detected: 0, m2pAborts: 0 };
  const result = explore(walkModel(variant, 2, counts, checkpoints, scenario), options);
  return { result, detected: counts.detected, m2pAborts: counts.m2pAborts, trace: formatTrace(result) };
}
