// Machine memory for the model: an arena of 4 KiB frames, each 1024 Uint32 lanes (512 64-bit
// or 1024 32-bit entries). A frame's index is its MFN in the model, so a pointer stored in a
// p2m page (kernel VA in Linux) and an MFN stored in the frame-list tree are the same number
// here. Only frames the structures allocate exist, so a 4 TiB guest with a sparse layout
// costs the host only what it populates. Guest RAM itself (the frames the p2m points at) is
// not stored: its MFNs are just values in the entries.
//
// Frames are never freed, except a page that lost an install race (arch/x86/xen/p2m.c,
// free_p2m_page): Linux never gives a p2m page back otherwise.

export const LANES_PER_PAGE = 1024;
export const PAGE_SHIFT_LANES = 10;

export class Arena {
  /** every frame's lanes; replaced (copied) when the arena grows, so never cache it across an allocation */
  lanes: Uint32Array;
  /** frame 0 is never handed out: the toolstack rejects MFN 0 as a bad frame (xg_sr_save_x86_pv.c) */
  private used = 1;
  /** frames allocated per role, for the page counters */
  readonly byRole = new Map<string, number>();

  constructor(initialPages = 16) {
    this.lanes = new Uint32Array(Math.max(1, initialPages) * LANES_PER_PAGE);
  }

  /** frames allocated so far */
  get pages(): number {
    return this.used - 1 - this.freed.length;
  }

  /** frames given back by free(), reused first */
  private readonly freed: number[] = [];
  private readonly roleOf = new Map<number, string>();

  /** allocate one frame, every lane set to `fill` (0xffffffff for INVALID entries) */
  alloc(role: string, fill = 0): number {
    const reuse = this.freed.pop();
    if (reuse !== undefined) {
      this.lanes.fill(fill, reuse * LANES_PER_PAGE, (reuse + 1) * LANES_PER_PAGE);
      this.byRole.set(role, (this.byRole.get(role) ?? 0) + 1);
      this.roleOf.set(reuse, role);
      return reuse;
    }
    if ((this.used + 1) * LANES_PER_PAGE > this.lanes.length) {
      const bigger = new Uint32Array(Math.max(this.lanes.length * 2, (this.used + 1) * LANES_PER_PAGE));
      bigger.set(this.lanes);
      this.lanes = bigger;
    }
    const frame = this.used++;
    if (fill !== 0) this.lanes.fill(fill, frame * LANES_PER_PAGE, (frame + 1) * LANES_PER_PAGE);
    this.byRole.set(role, (this.byRole.get(role) ?? 0) + 1);
    this.roleOf.set(frame, role);
    return frame;
  }

  /** free_p2m_page: only a page that lost an install race is ever given back */
  free(frame: number): void {
    const role = this.roleOf.get(frame);
    if (role === undefined) throw new Error(`free of frame ${frame}, which is not allocated`);
    this.roleOf.delete(frame);
    this.byRole.set(role, this.byRole.get(role)! - 1);
    this.freed.push(frame);
  }

  /** the frame is allocated and not given back: its owner's m2p entry and p2m entry still agree on it */
  isLive(frame: number): boolean {
    return this.roleOf.has(frame);
  }

  /** copy_page(dst, src) */
  copy(dst: number, src: number): void {
    this.lanes.copyWithin(dst * LANES_PER_PAGE, src * LANES_PER_PAGE, (src + 1) * LANES_PER_PAGE);
  }

  role(role: string): number {
    return this.byRole.get(role) ?? 0;
  }
}
