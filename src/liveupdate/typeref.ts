// The type-reference rules as Xen enforces them for PV guests (Xen xen/arch/x86/mm.c):
// _get_page_type, validate_page → promote_l1_table … promote_l4_table (alloc_page_type and
// alloc_l1_table … alloc_l4_table before Xen 4.15), get_page_from_l1e … get_page_from_l4e,
// _put_page_type → free_page_type, and the pin of do_mmuext_op (MMUEXT_PIN_L?_TABLE).
//
// A frame has at most one type at a time; a new type needs type count 0 (the 0→1 reference
// retypes the frame and clears PGT_validated); a page table is validated by taking a typed
// reference on everything its present entries point at (an L1's writable entries take
// PGT_writable_page references), so a frame can never be a page table and writable at once.
// Every counter of work lives in `work` (indices W_*), so it is exact.
import { F_PINNED, F_VALIDATED, type FrameTable, PGT_L1, PGT_L4, PGT_NONE, PGT_WRITABLE } from './frametable.js';
import { E_PSE, E_RW, type GuestTables } from './guest.js';

/** page tables validated (promote_lN_table returned 0) */
export const W_PAGES_VALIDATED = 0;
/** present entries checked by promote_lN_table (each a get_page_from_lNe) */
export const W_ENTRIES_CHECKED = 1;
/** hybrid shadow mode: guest accesses that found their L1 untyped (a fault turned into a typeref) */
export const W_FAULTS = 2;
/** page_info entries carried across from the old Xen (transform) */
export const W_FRAMES_CARRIED = 3;
/** bytes of old-Xen state read by the new Xen (the stream's type words, or the old frametable) */
export const W_BYTES_CARRIED = 4;
/** bytes written into a new array because the layouts differ */
export const W_BYTES_COPIED = 5;
export const W_SLOTS = 6;

export class TypeRefs {
  constructor(
    readonly ft: FrameTable,
    readonly mem: GuestTables,
    readonly work: Float64Array,
  ) {}

  /** _get_page_type(page, type): false where Xen returns an error (the reference is not taken) */
  getPageType(f: number, type: number): boolean {
    const ft = this.ft;
    const c = ft.count[f]!;
    if (c !== 0) {
      // a reference of the wrong type is refused; that is what the typeref system exists for
      if (ft.type[f] !== type) return false;
      // "validate locked" (a table referencing a table still being validated: a loop) is refused
      if ((ft.flags[f]! & F_VALIDATED) === 0) return false;
      ft.count[f] = c + 1;
      return true;
    }
    // typeref 0 -> 1: the type may change, and a changed type needs validating again
    if (ft.type[f] !== type) {
      ft.type[f] = type;
      ft.flags[f]! &= ~F_VALIDATED;
    }
    ft.count[f] = 1;
    if ((ft.flags[f]! & F_VALIDATED) !== 0) return true;
    if (type === PGT_WRITABLE) {
      ft.flags[f]! |= F_VALIDATED; // no audit needed for writable pages
      return true;
    }
    if (this.promote(f, type)) {
      ft.flags[f]! |= F_VALIDATED;
      return true;
    }
    // validate_page's error path: type_info = 0
    ft.count[f] = 0;
    ft.type[f] = PGT_NONE;
    return false;
  }

  /** promote_lN_table: a typed reference for every present entry, all or none */
  promote(f: number, level: number): boolean {
    const m = this.mem;
    const t = m.tableOf[f]!;
    if (t < 0) {
      this.work[W_PAGES_VALIDATED]!++; // a frame without entries: nothing present to check
      return true;
    }
    const s = m.start[t]!;
    const e = m.start[t + 1]!;
    const below = level - 1;
    for (let i = s; i < e; i++) {
      this.work[W_ENTRIES_CHECKED]!++;
      const fl = m.eflags[i]!;
      let ok: boolean;
      if (level === PGT_L1) ok = (fl & E_RW) === 0 || this.getPageType(m.target[i]!, PGT_WRITABLE);
      // PSE is in no PV guest's allowed L2/L3 flags (base_disallow_mask): no superpages
      else ok = (fl & E_PSE) === 0 && this.getPageType(m.target[i]!, below);
      if (!ok) {
        for (let j = i - 1; j >= s; j--) this.putEntry(level, j); // the `while ( i-- > 0 )` unwind
        return false;
      }
    }
    this.work[W_PAGES_VALIDATED]!++;
    return true;
  }

  private putEntry(level: number, i: number): void {
    const m = this.mem;
    if (level === PGT_L1 && (m.eflags[i]! & E_RW) === 0) return; // a read-only PTE holds no type ref
    this.putPageType(m.target[i]!);
  }

  /** _put_page_type: a page table whose count reaches 0 is devalidated and drops its entries' refs */
  putPageType(f: number): void {
    const ft = this.ft;
    const c = ft.count[f]!;
    if (c === 0) throw new Error(`put_page_type on frame ${f} with type count 0`);
    ft.count[f] = c - 1;
    const t = ft.type[f]!;
    if (c === 1 && t >= PGT_L1 && t <= PGT_L4 && (ft.flags[f]! & F_VALIDATED) !== 0) {
      ft.flags[f]! &= ~F_VALIDATED; // the type bits stay: Xen clears only PGT_validated
      const m = this.mem;
      const ti = m.tableOf[f]!;
      if (ti >= 0) for (let i = m.start[ti]!; i < m.start[ti + 1]!; i++) this.putEntry(t, i);
    }
  }

  /** MMUEXT_PIN_L?_TABLE: a type reference held by PGT_pinned; pinning twice is an error */
  pin(f: number, level: number): boolean {
    const ft = this.ft;
    if ((ft.flags[f]! & F_PINNED) !== 0) return false;
    if (!this.getPageType(f, level)) return false;
    ft.flags[f]! |= F_PINNED;
    return true;
  }
}

export function newWork(): Float64Array {
  return new Float64Array(W_SLOTS);
}
