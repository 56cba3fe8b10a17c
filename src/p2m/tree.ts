// The p2m tree of Linux <= 3.18 (arch/x86/xen/p2m.c at 0160676b), generalised to a depth:
// depth 3 is the real tree (p2m_top -> p2m_mid -> leaf), depth 4 the "extend the tree
// instead of replacing it" alternative (top -> upper -> mid -> leaf).
//
// Every level is one 4 KiB page of PAGE_SIZE/sizeof(long) entries (512 for a 64-bit guest,
// 1024 for 32-bit PAE). Holes share read-only pages: p2m_missing (a leaf of INVALID),
// p2m_mid_missing (a mid whose every slot is p2m_missing), and for depth 4 an upper_missing;
// identity leaves share p2m_identity (also INVALID-filled: identity is read from *which page*
// a slot points at). Installation is copy-on-write: a slot pointing at a shared page gets a
// private page, nothing ever goes back to shared (nothing is freed but a lost race's page).
//
// The toolstack cannot follow kernel pointers: beside the tree the kernel keeps the MFN tree
// (p2m_top_mfn -> p2m_mid_mfn -> leaf MFNs, "frame list list" -> "frame list" -> leaves in
// libxenguest), updated after each install, which it walks in map_p2m_tree
// (tools/libs/guest/xg_sr_save_x86_pv.c). In this model a frame's index is its MFN and its
// kernel address at once, so p2m_top_mfn_p is kept only as the page it costs.
import { checkEntry, hasIdentityBit, viewOf, hiLaneOf, type Encoding, type Width, encoding } from './entry.js';
import { CHUNK, pairValue } from './fastlookup.js';
import { treeKernels, type TreeKernel, type TreeRangeKernel } from './treelookup.js';
import { mapFrameListTree } from './framelist.js';
import { Arena, PAGE_SHIFT_LANES } from './memory.js';
import { chunkKind, bootEntry, fillRamLeaf, leafHint, maxP2mPfn, type Layout } from './layout.js';
import { CapacityError, type LookupTrace, type P2m, type ToolView } from './variant.js';

const TWO31 = 2147483648;

export class P2mTree implements P2m {
  readonly enc: Encoding;
  readonly width: Width;
  readonly capacity: number;
  readonly mem: Arena;
  readonly depth: number;
  structuralChanges = 0;
  readonly beyondReads = 'invalid';
  readonly aboveInitial = 'missing';
  readonly flipsWholeLeaf = true;
  get readLimit(): number {
    return this.capacity;
  }

  private readonly E: number; // entries per page
  private readonly sh: number; // log2(E)
  private readonly mask: number;
  private readonly ls: number; // log2(lanes per entry)
  private readonly wide: boolean;
  private readonly topShift: number;
  readonly top: number; // p2m_top
  readonly topMfn: number; // p2m_top_mfn, published as pfn_to_mfn_frame_list_list
  readonly identity: number; // p2m_identity
  /** missing[k]: the shared missing page of level k (0 = p2m_missing, 1 = p2m_mid_missing, ...) */
  readonly missing: number[] = [];
  /** missingMfn[k], k >= 1: its MFN-tree twin (p2m_mid_missing_mfn, ...) */
  private readonly missingMfn: number[] = [];
  /** xen_max_p2m_pfn: set at boot to the end of the extra memory, published, never grown */
  private readonly maxPfn: number;
  /** the timed lookup's kernels for this width and depth: over a stream of pfns, over a run */
  private readonly kernel: TreeKernel;
  private readonly rangeKernel: TreeRangeKernel;

  constructor(
    readonly variant: string,
    depth: number,
    width: Width,
    layout: Layout,
  ) {
    this.enc = encoding(width);
    this.width = width;
    this.depth = depth;
    this.E = this.enc.perPage;
    this.sh = this.enc.shift;
    this.mask = this.E - 1;
    this.wide = width === 64;
    this.ls = this.wide ? 1 : 0;
    this.topShift = (depth - 1) * this.sh;
    this.capacity = this.E ** depth;
    const kernels = treeKernels(width, depth);
    this.kernel = kernels.stream;
    this.rangeKernel = kernels.range;
    if (layout.span > this.capacity) {
      throw new CapacityError(variant, this.capacity, `a guest of ${layout.span} pfns`);
    }
    const pages = 16 + leafHint(layout, this.E) * 1.01;
    this.mem = new Arena(Math.min(Math.ceil(pages), 1 << 20));
    // xen_build_dynamic_phys_to_machine: the shared pages first
    this.missing.push(this.mem.alloc('p2m_missing', 0xffffffff));
    this.identity = this.mem.alloc('p2m_identity', 0xffffffff);
    for (let k = 1; k <= depth - 2; k++) {
      const m = this.mem.alloc(k === 1 ? 'p2m_mid_missing' : `p2m_l${k}_missing`);
      this.fillPtr(m, this.missing[k - 1]!);
      this.missing.push(m);
      const mm = this.mem.alloc(k === 1 ? 'p2m_mid_missing_mfn' : `p2m_l${k}_missing_mfn`);
      this.fillPtr(mm, k === 1 ? this.missing[0]! : this.missingMfn[k - 1]!);
      this.missingMfn[k] = mm;
    }
    this.top = this.mem.alloc('p2m_top');
    this.fillPtr(this.top, this.missing[depth - 2]!);
    this.topMfn = this.mem.alloc('p2m_top_mfn');
    this.fillPtr(this.topMfn, depth - 2 >= 1 ? this.missingMfn[depth - 2]! : this.missing[0]!);
    this.mem.alloc('p2m_top_mfn_p');
    this.maxPfn = maxP2mPfn(layout); // setup.c:xen_add_extra_mem
    this.boot(layout);
  }

  // ---- raw page access -------------------------------------------------------------------

  private ptrAt(frame: number, idx: number): number {
    return this.mem.lanes[(frame << PAGE_SHIFT_LANES) + (idx << this.ls)]!;
  }

  private setPtr(frame: number, idx: number, ptr: number): void {
    const b = (frame << PAGE_SHIFT_LANES) + (idx << this.ls);
    this.mem.lanes[b] = ptr;
    if (this.wide) this.mem.lanes[b + 1] = 0;
  }

  private fillPtr(frame: number, ptr: number): void {
    const lanes = this.mem.lanes;
    const b = frame << PAGE_SHIFT_LANES;
    if (this.wide)
      for (let i = 0; i < 1024; i += 2) {
        lanes[b + i] = ptr;
        lanes[b + i + 1] = 0;
      }
    else lanes.fill(ptr, b, b + 1024);
  }

  readFrame(frame: number, idx: number): number {
    const lanes = this.mem.lanes;
    const b = (frame << PAGE_SHIFT_LANES) + (idx << this.ls);
    return this.wide ? viewOf(lanes[b]!, lanes[b + 1]!) : lanes[b]!;
  }

  /** one entry store: both lanes of a 64-bit entry are written by this one call (never interleaved in this single-threaded model) */
  private writeEntry(frame: number, idx: number, e: number): void {
    const lanes = this.mem.lanes;
    const b = (frame << PAGE_SHIFT_LANES) + (idx << this.ls);
    lanes[b] = e >>> 0;
    if (this.wide) lanes[b + 1] = hiLaneOf(e);
  }

  private index(pfn: number, s: number): number {
    return pfn < TWO31 ? (pfn >>> s) & this.mask : Math.floor(pfn / 2 ** s) % this.E;
  }

  // ---- guest side ------------------------------------------------------------------------

  lookup(pfn: number): number {
    if (pfn >= this.capacity) return this.enc.INVALID; // beyond the tree reads as missing
    const lanes = this.mem.lanes;
    let f = this.top;
    if (pfn < TWO31) {
      for (let s = this.topShift; s > 0; s -= this.sh)
        f = lanes[(f << PAGE_SHIFT_LANES) + (((pfn >>> s) & this.mask) << this.ls)]!;
      if (f === this.identity) return pfn;
      const b = (f << PAGE_SHIFT_LANES) + ((pfn & this.mask) << this.ls);
      if (this.wide) {
        const lo = lanes[b]!;
        const hi = lanes[b + 1]!;
        return (lo & hi) === -1 ? this.enc.INVALID : (hi & 0x3fffffff) * 4294967296 + lo;
      }
      const v = lanes[b]!;
      return v === 0xffffffff ? v : v & 0x3fffffff;
    }
    const e = this.raw(pfn);
    return e === this.enc.INVALID ? e : e % this.enc.IDENTITY;
  }

  lookupSum(pfns: Uint32Array, n: number, acc: Float64Array): number {
    acc[0] = 0;
    acc[1] = 0;
    const lanes = this.mem.lanes; // read once: the arena only grows on an allocation, and a lookup allocates nothing
    for (let from = 0; from < n; from += CHUNK)
      this.kernel(lanes, this.top, this.identity, pfns, from, Math.min(n, from + CHUNK), acc);
    return pairValue(acc);
  }

  lookupRangeSum(first: number, n: number, acc: Float64Array): number {
    acc[0] = 0;
    acc[1] = 0;
    const lanes = this.mem.lanes;
    for (let from = first; from < first + n; from += CHUNK)
      this.rangeKernel(lanes, this.top, this.identity, from, Math.min(first + n, from + CHUNK), acc);
    return pairValue(acc);
  }

  raw(pfn: number): number {
    if (pfn >= this.capacity) return this.enc.INVALID;
    let f = this.top;
    for (let s = this.topShift; s > 0; s -= this.sh) f = this.ptrAt(f, this.index(pfn, s));
    if (f === this.identity) return pfn + this.enc.IDENTITY;
    return this.readFrame(f, this.index(pfn, 0));
  }

  trace(pfn: number, out: LookupTrace): number {
    out.loads = 0;
    out.frames.length = 0;
    if (pfn >= this.capacity) return this.enc.INVALID;
    let f = this.top;
    for (let s = this.topShift; s > 0; s -= this.sh) {
      out.frames.push(f);
      out.loads++;
      f = this.ptrAt(f, this.index(pfn, s));
    }
    if (f === this.identity) return pfn + this.enc.IDENTITY; // the pointer compare: the leaf is not read
    out.frames.push(f);
    out.loads++;
    return this.readFrame(f, this.index(pfn, 0));
  }

  /** the level-1 node (mid) holding pfn's leaf slot, or -1 if a shared missing page is on the way */
  private parentOf(pfn: number): number {
    let f = this.top;
    for (let s = this.topShift; s > this.sh; s -= this.sh) {
      f = this.ptrAt(f, this.index(pfn, s));
    }
    return f;
  }

  setNoAlloc(pfn: number, e: number): boolean {
    const enc = this.enc;
    if (pfn >= this.capacity) {
      if (e === enc.INVALID) return true;
      throw new CapacityError(this.variant, this.capacity, `pfn ${pfn}`);
    }
    checkEntry(enc, e);
    const mid = this.parentOf(pfn);
    const m = this.index(pfn, this.sh);
    const leaf = this.ptrAt(mid, m);
    if (e !== enc.INVALID && hasIdentityBit(enc, e)) {
      if (leaf === this.identity) return true;
      if (leaf === this.missing[0]) {
        // "Swap over from MISSING to IDENTITY if needed": the whole leaf flips. Linux would
        // write into a shared p2m_mid_missing here; its callers allocate the mid first
        // (early_alloc_p2m), so the model asks for that allocation instead.
        if (this.depth > 2 && mid === this.missing[1]) return false;
        this.setPtr(mid, m, this.identity);
        this.structuralChanges++;
        return true;
      }
    }
    if (leaf === this.missing[0]) return e === enc.INVALID; // writing INVALID to a hole: no-op success
    // Linux <= 3.18 wrote into the shared p2m_identity page here; the model keeps the linear
    // list's semantics (p2m.c:__set_phys_to_machine since 3.19): only IDENTITY_FRAME(pfn) is a no-op, anything else allocates.
    if (leaf === this.identity) return e === pfn + enc.IDENTITY;
    this.writeEntry(leaf, this.index(pfn, 0), e);
    return true;
  }

  set(pfn: number, e: number): boolean {
    if (this.setNoAlloc(pfn, e)) return true;
    const it = this.allocSteps(pfn, e);
    while (!it.next().done) {
      /* run every step */
    }
    if (!this.setNoAlloc(pfn, e)) throw new Error(`${this.variant}: set(${pfn}) failed after allocation`);
    return true;
  }

  *setSteps(pfn: number, e: number): Generator<string, boolean, void> {
    if (this.setNoAlloc(pfn, e)) return true;
    yield* this.allocSteps(pfn, e);
    if (!this.setNoAlloc(pfn, e)) throw new Error(`${this.variant}: set(${pfn}) failed after allocation`);
    return true;
  }

  /**
   * alloc_p2m: top-down, replace each shared missing node on pfn's path by a private one
   * (allocated, then installed with cmpxchg: a CPU that lost the race frees its page), make
   * sure the MFN tree has this path's twin (p2m_top_mfn_p[t] vs p2m_mid_missing_mfn), then the
   * leaf if it is shared and the value needs a private one. Each yield ends one step another
   * CPU or the toolstack could interleave with.
   */
  private *allocSteps(pfn: number, e: number): Generator<string, void, void> {
    let f = this.top;
    let ft = this.topMfn;
    for (let k = this.depth - 1; k >= 2; k--) {
      const i = this.index(pfn, k * this.sh);
      const lvl = k - 1; // level of the child
      const name = lvl === 1 ? 'mid' : `l${lvl}`;
      const where = k === this.depth - 1 ? 'top' : `l${k}`;
      if (this.ptrAt(f, i) === this.missing[lvl]) {
        const node = this.mem.alloc(`p2m_${name}`);
        this.fillPtr(node, this.missing[lvl - 1]!);
        yield `alloc a ${name}`;
        if (this.ptrAt(f, i) === this.missing[lvl]) {
          this.setPtr(f, i, node); // cmpxchg(&p2m_top[t], p2m_mid_missing, mid)
          this.structuralChanges++;
          yield `install it in ${where}[${i}]`;
        } else {
          this.mem.free(node);
          yield `lost the race for ${where}[${i}]: free the ${name}`;
        }
      }
      if (this.ptrAt(ft, i) === this.missingMfn[lvl]) {
        const twin = this.mem.alloc(`p2m_${name}_mfn`);
        this.fillPtr(twin, lvl === 1 ? this.missing[0]! : this.missingMfn[lvl - 1]!);
        yield `alloc a ${name}_mfn`;
        if (this.ptrAt(ft, i) === this.missingMfn[lvl]) {
          this.setPtr(ft, i, twin); // cmpxchg(&p2m_top_mfn[t], mfn(p2m_mid_missing_mfn), mfn(mid_mfn))
          yield `publish it in ${where}_mfn[${i}]`;
        } else {
          this.mem.free(twin);
          yield `lost the race for ${where}_mfn[${i}]: free the ${name}_mfn`;
        }
      }
      f = this.ptrAt(f, i);
      ft = this.ptrAt(ft, i);
    }
    const m = this.index(pfn, this.sh);
    const leaf = this.ptrAt(f, m);
    // an identity value into a missing leaf only needed the mid: __set then flips the whole leaf
    const flip = leaf === this.missing[0] && e !== this.enc.INVALID && hasIdentityBit(this.enc, e);
    if (!flip && (leaf === this.missing[0] || leaf === this.identity)) {
      const fresh = this.mem.alloc('p2m_leaf', leaf === this.missing[0] ? 0xffffffff : 0);
      if (leaf === this.identity) {
        const base = pfn - (pfn % this.E); // leaf-aligned, as p2m_init_identity is called since 3.19
        for (let i = 0; i < this.E; i++) this.writeEntry(fresh, i, base + i + this.enc.IDENTITY);
      }
      yield 'alloc a leaf';
      if (this.ptrAt(f, m) === leaf) {
        this.setPtr(f, m, fresh); // cmpxchg(&mid[m], orig, leaf)
        this.structuralChanges++;
        yield `install it in mid[${m}]`;
        this.setPtr(ft, m, fresh); // p2m_top_mfn_p[t][m] = virt_to_mfn(leaf)
        yield `publish its mfn in mid_mfn[${m}]`;
      } else {
        this.mem.free(fresh);
        yield `lost the race for mid[${m}]: free the leaf`;
      }
    }
  }

  /** boot: graft the builder's list leaf by leaf, identity ranges onto p2m_identity (xen_build_dynamic_phys_to_machine, set_phys_range_identity) */
  private boot(layout: Layout): void {
    let done = -1;
    for (const r of layout.ranges) {
      const first = Math.floor(r.start / this.E);
      const last = Math.ceil(r.end / this.E) - 1;
      for (let c = Math.max(first, done + 1); c <= last; c++) {
        const start = c * this.E;
        const kind = chunkKind(layout, start, start + this.E);
        if (kind === 'missing') continue;
        const [mid, midMfn] = this.allocPath(start);
        if (kind === 'ident') {
          this.setNoAlloc(start, start + this.enc.IDENTITY); // flips the missing leaf to p2m_identity
          continue;
        }
        const leaf = this.mem.alloc('p2m_leaf', kind === 'ram' ? 0 : 0xffffffff); // a RAM leaf is overwritten whole
        const m = this.index(start, this.sh);
        this.setPtr(mid, m, leaf);
        this.setPtr(midMfn, m, leaf);
        if (kind === 'ram') fillRamLeaf(this.mem.lanes, leaf << PAGE_SHIFT_LANES, start, this.E, this.wide);
        else for (let i = 0; i < this.E; i++) this.writeEntry(leaf, i, bootEntry(this.enc, layout, start + i));
      }
      done = Math.max(done, last);
    }
  }

  /** early_alloc_p2m: make the intermediate nodes on pfn's path private (not the leaf); returns the mid and its mid_mfn */
  private allocPath(pfn: number): [number, number] {
    let f = this.top;
    let ft = this.topMfn;
    for (let k = this.depth - 1; k >= 2; k--) {
      const i = this.index(pfn, k * this.sh);
      const lvl = k - 1;
      if (this.ptrAt(f, i) === this.missing[lvl]) {
        const node = this.mem.alloc(lvl === 1 ? 'p2m_mid' : `p2m_l${lvl}`);
        this.fillPtr(node, this.missing[lvl - 1]!);
        this.setPtr(f, i, node);
        const twin = this.mem.alloc(lvl === 1 ? 'p2m_mid_mfn' : `p2m_l${lvl}_mfn`);
        this.fillPtr(twin, lvl === 1 ? this.missing[0]! : this.missingMfn[lvl - 1]!);
        this.setPtr(ft, i, twin);
      }
      f = this.ptrAt(f, i);
      ft = this.ptrAt(ft, i);
    }
    return [f, ft];
  }

  p2mPages(): number {
    return this.mem.pages;
  }

  generation(): number {
    return 0;
  }

  publishedMaxPfn(): number {
    return this.maxPfn;
  }

  publishedCr3(): number {
    return 0; // tree-era kernels publish no page-table root
  }

  quiescent(): boolean {
    return true; // installs are lock-free cmpxchg sequences
  }

  resumed(): void {
    /* the MFN tree is rebuilt in place (xen_build_mfn_list_list); there is no generation to reset */
  }

  // ---- toolstack side --------------------------------------------------------------------

  /** the leaf frame the guest's own lookups use for a slot (the kernel tree, not the MFN tree) */
  currentLeaf(slot: number): number {
    const pfn = slot * this.E;
    let f = this.top;
    for (let s = this.topShift; s > 0; s -= this.sh) f = this.ptrAt(f, this.index(pfn, s));
    return f;
  }

  /** map_p2m_tree: the frame-list walk from p2m_top_mfn */
  mapForToolstack(): ToolView {
    return mapFrameListTree(this.mem, this.topMfn, this.depth, this.E, this.maxPfn, this.variant);
  }
}
