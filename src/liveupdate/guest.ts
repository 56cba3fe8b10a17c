// A PV guest's page tables as they sit in its memory across the update: for every frame that
// is a page table, its present entries (the frame each points at, and whether it is writable),
// in compressed rows. Non-present slots are not stored: promote_lN_table passes over them with
// one flags test each (the L1TF check aside), and a fully populated tree has none.
// Frames are numbered as the guest's pfns with mfn == pfn (the p2m is not the question here).

/** _PAGE_RW in a present entry */
export const E_RW = 1;
/** _PAGE_PSE in an L2/L3 entry (a 2 MiB / 1 GiB superpage): refused for PV guests */
export const E_PSE = 2;

export interface GuestTables {
  readonly frames: number;
  /** frame -> index of the table stored in it, or -1 */
  readonly tableOf: Int32Array;
  /** per table: its level (1..4) and its frame */
  readonly level: Uint8Array;
  readonly frameOf: Int32Array;
  /** per table t: its entries are [start[t], start[t+1]) */
  readonly start: Int32Array;
  readonly target: Int32Array;
  readonly eflags: Uint8Array;
}

/** Appends tables one at a time; each table's entries are contiguous. */
export class TablesBuilder {
  private target: Int32Array;
  private eflags: Uint8Array;
  private n = 0;
  private readonly level: number[] = [];
  private readonly frameOf: number[] = [];
  private readonly starts: number[] = [];
  private readonly tableOf: Int32Array;

  constructor(
    readonly frames: number,
    capacityHint: number,
  ) {
    this.target = new Int32Array(Math.max(16, capacityHint));
    this.eflags = new Uint8Array(this.target.length);
    this.tableOf = new Int32Array(frames).fill(-1);
  }

  begin(frame: number, level: number): void {
    if (this.tableOf[frame] !== -1) throw new Error(`frame ${frame} holds two page tables`);
    this.tableOf[frame] = this.level.length;
    this.level.push(level);
    this.frameOf.push(frame);
    this.starts.push(this.n);
  }

  entry(target: number, flags: number): void {
    if (this.n === this.target.length) {
      const t = new Int32Array(this.n * 2);
      t.set(this.target);
      this.target = t;
      const f = new Uint8Array(this.n * 2);
      f.set(this.eflags);
      this.eflags = f;
    }
    this.target[this.n] = target;
    this.eflags[this.n] = flags;
    this.n++;
  }

  build(): GuestTables {
    const start = new Int32Array(this.starts.length + 1);
    start.set(this.starts);
    start[this.starts.length] = this.n;
    return {
      frames: this.frames,
      tableOf: this.tableOf,
      level: Uint8Array.from(this.level),
      frameOf: Int32Array.from(this.frameOf),
      start,
      target: this.target.slice(0, this.n),
      eflags: this.eflags.slice(0, this.n),
    };
  }
}
