// Runs one variant's update over a fresh frame table and records what the counters and the
// gate need: the work done before resume (the blackout) and in total, the decisions taken on
// the guest's requests, and what the hybrid shadow mode left unvalidated.
import { FrameTable } from './frametable.js';
import { newWork, TypeRefs, W_ENTRIES_CHECKED, W_FRAMES_CARRIED, W_PAGES_VALIDATED } from './typeref.js';
import type { Handover, LiveUpdateVariant, UpdateOutcome, UpdateRun } from './variant.js';

export const DECISION_NONE = -1;

export interface UpdateResult {
  readonly ft: FrameTable;
  /** work counters (W_*) at resume and at the end */
  readonly blackout: Float64Array;
  readonly total: Float64Array;
  /** per guest operation: -1 not a request, 0 refused, 1 accepted */
  readonly decisions: Int8Array;
  readonly outcome: UpdateOutcome;
}

/** A reusable update: the timed body re-arms it (reset) and runs it again. */
export class Updater implements UpdateRun {
  readonly ft: FrameTable;
  readonly work = newWork();
  readonly refs: TypeRefs;
  readonly blackout = newWork();
  readonly decisions: Int8Array;
  resumed = false;

  constructor(
    readonly variant: LiveUpdateVariant,
    readonly h: Handover,
  ) {
    this.ft = new FrameTable(h.frames);
    this.refs = new TypeRefs(this.ft, h.mem, this.work);
    this.decisions = new Int8Array(h.ops.length).fill(DECISION_NONE);
  }

  reset(): void {
    this.ft.reset();
    this.work.fill(0);
    this.blackout.fill(0);
    this.resumed = false;
  }

  resume(): void {
    if (this.resumed) throw new Error(`${this.variant.name}: resume() called twice`);
    this.resumed = true;
    this.blackout.set(this.work);
  }

  decide(i: number, accepted: boolean): void {
    this.decisions[i] = accepted ? 1 : 0;
  }

  run(): UpdateOutcome {
    const outcome = this.variant.update(this);
    if (!this.resumed) throw new Error(`${this.variant.name}: the update never resumed the guest`);
    return outcome;
  }
}

export function runUpdate(variant: LiveUpdateVariant, h: Handover): UpdateResult {
  const u = new Updater(variant, h);
  const outcome = u.run();
  return { ft: u.ft, blackout: u.blackout, total: u.work, decisions: u.decisions, outcome };
}

/** the clock of the blackout: one unit per page validated, entry checked or page_info carried */
export function workUnits(w: Float64Array): number {
  return w[W_PAGES_VALIDATED]! + w[W_ENTRIES_CHECKED]! + w[W_FRAMES_CARRIED]!;
}
