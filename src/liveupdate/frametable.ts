// struct page_info as far as type references go (Xen xen/arch/x86/include/asm/mm.h): the
// frame's type (PGT_type_mask), its type count (PGT_count_mask), PGT_validated and
// PGT_pinned in u.inuse.type_info, and PGC_allocated in count_info. One entry per guest
// frame, struct-of-arrays so that a validation pass touches only the words it needs.
// The general reference count (count_info & PGC_count_mask) is not modelled: the gate
// compares the type state, which is what a rebuild must reproduce.

/** PGT_none: no type (a frame never typed, or one whose type was reset) */
export const PGT_NONE = 0;
/** PGT_l1_page_table .. PGT_l4_page_table: the table level is the type's value */
export const PGT_L1 = 1;
export const PGT_L2 = 2;
export const PGT_L3 = 3;
export const PGT_L4 = 4;
/** PGT_writable_page: mapped writable by the guest (the type count counts those PTEs) */
export const PGT_WRITABLE = 7;

/** type_info & PGT_validated */
export const F_VALIDATED = 1;
/** type_info & PGT_pinned (MMUEXT_PIN_L?_TABLE): holds one type reference */
export const F_PINNED = 2;
/** count_info & PGC_allocated: the frame belongs to the domain (its allocation reference) */
export const F_ALLOCATED = 4;

/** sizeof(struct page_info) on x86-64 today: what a transform reads per frame */
export const PAGE_INFO_BYTES = 32;

export class FrameTable {
  readonly type: Uint8Array;
  readonly count: Uint32Array;
  readonly flags: Uint8Array;

  constructor(readonly frames: number) {
    this.type = new Uint8Array(frames);
    this.count = new Uint32Array(frames);
    this.flags = new Uint8Array(frames);
  }

  reset(): void {
    this.type.fill(0);
    this.count.fill(0);
    this.flags.fill(0);
  }

  /** would get_page_type(f, PGT_writable_page) succeed now? (no state change) */
  mayMapWritable(f: number): boolean {
    return this.count[f] === 0 || this.type[f] === PGT_WRITABLE;
  }

  /** the first frame whose type state differs from `o`, or -1 */
  firstDifference(o: FrameTable): number {
    const n = this.frames;
    for (let f = 0; f < n; f++) {
      if (this.type[f] !== o.type[f] || this.count[f] !== o.count[f] || this.flags[f] !== o.flags[f]) return f;
    }
    return -1;
  }

  differences(o: FrameTable): number {
    let d = 0;
    for (let f = 0; f < this.frames; f++) {
      if (this.type[f] !== o.type[f] || this.count[f] !== o.count[f] || this.flags[f] !== o.flags[f]) d++;
    }
    return d;
  }

  describe(f: number): string {
    const fl = this.flags[f]!;
    const parts = [`frame ${f}: ${typeName(this.type[f]!)} count=${this.count[f]}`];
    if (fl & F_VALIDATED) parts.push('validated');
    if (fl & F_PINNED) parts.push('pinned');
    parts.push(fl & F_ALLOCATED ? 'allocated' : 'not allocated');
    return parts.join(' ');
  }
}

export function typeName(t: number): string {
  if (t === PGT_NONE) return 'none';
  if (t === PGT_WRITABLE) return 'writable';
  if (t >= PGT_L1 && t <= PGT_L4) return `L${t}`;
  return `type ${t}`;
}
