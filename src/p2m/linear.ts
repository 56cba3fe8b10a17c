// linear: the virtually mapped sparse p2m list of Linux >= 3.19 (arch/x86/xen/p2m.c at
// b7f8f259, and arch/x86/include/asm/xen/page.h:__pfn_to_mfn). One array indexed by pfn in the kernel's vmalloc area; the
// MMU resolves pfn -> leaf frame, so a populated lookup is ONE load. Holes are mapped to
// four shared read-only frames: p2m_missing and p2m_identity (leaves, both INVALID-filled)
// and p2m_missing_pte / p2m_identity_pte (PTE pages whose 512 PTEs map those leaves), so a
// wholly missing or identity GiB costs no page at all. A read of INVALID takes the slow path
// (a software page-table walk, lookup_address) to tell missing from identity.
//
// Structure changes (a private PTE page into a PMD, a private leaf into a PTE) are made under
// p2m_update_lock with shared_info.arch.p2m_generation incremented before and after (odd
// while in progress); entry writes are single atomic stores and never touch the generation.
// The toolstack finds the list by walking the guest page tables from p2m_cr3
// (map_p2m_list, tools/libs/guest/xg_sr_save_x86_pv.c).
//
// In the model, `leafOf` is what the MMU (TLB + hardware walk) resolves for each 4 KiB page
// of the list: it is kept equal to the page tables (set_pte updates both) and is not a p2m
// load. Only 64-bit guests are modelled (32-bit PAE Linux is limited to 64 GiB anyway).
import { checkEntry, viewOf, hiLaneOf, type Encoding, type Width, E64 } from './entry.js';
import { CHUNK, pairValue } from './fastlookup.js';
import { listW64, listW64Range } from './listlookup.js';
import { Arena, PAGE_SHIFT_LANES } from './memory.js';
import {
  chunkKind,
  bootEntry,
  extraIn,
  extraOf,
  fillRamLeaf,
  initialEnd,
  inExtra,
  leafHint,
  maxP2mPfn,
  type Layout,
} from './layout.js';
import { VMALLOC_START_VPN, ptIndex, readPte, writePte, fillPtes } from './pagetable.js';
import { mapP2mList } from './listwalk.js';
import { CapacityError, type LookupTrace, type P2m, type ToolstackPath, type ToolView } from './variant.js';

export const name = 'linear';
/** modelled for 64-bit guests only (32-bit PAE Linux stops at 64 GiB and keeps the tree) */
export const widths: readonly Width[] = [64];
/** CONFIG_XEN_MEMORY_HOTPLUG_LIMIT default: 512 GiB, i.e. 2^27 pfns of VA reserved at least */
export const P2M_LIMIT_PFNS = 2 ** 27;
/** MAXMEM on 4-level paging: 2^46 bytes = 2^34 pfns (xen_get_pages_limit) */
export const MAXMEM_PFNS = 2 ** 34;
const PER_PTE_PAGE = 512 * 512; // pfns under one PTE page (P2M_PER_PAGE * P2M_MID_PER_PAGE), 1 GiB of guest
const TWO31 = 2147483648;

export function capacity(width: Width): number {
  return width === 64 ? MAXMEM_PFNS : 0;
}

/** setup.c:xen_get_pages_limit: a domU stops at 512 GiB unless xen_512gb_limit=0 (CONFIG_XEN_512GB), dom0 at MAXMEM */
export function defaultCap(width: Width): { pfns: number; why: string } {
  return width === 64
    ? {
        pfns: 512 * 2 ** 18,
        why: 'xen_get_pages_limit: 512 GiB for a domU (CONFIG_XEN_512GB, boot option xen_512gb_limit); dom0 MAXMEM',
      }
    : { pfns: 64 * 2 ** 18, why: 'xen_get_pages_limit: 64 GiB for a 32-bit guest' };
}

/** the list publishes p2m_cr3, p2m_vaddr and p2m_generation (Linux >= 4.3, xen_setup_mfn_list_list) */
export const toolstackPath: ToolstackPath = 'page-tables';

export function create(width: Width, layout: Layout): P2m {
  return new P2mLinear(width, layout);
}

/** the VA area sized to the guest instead of the 512 GiB hotplug reserve: the same structure, cheaper replays */
export function createCompact(width: Width, layout: Layout): P2m {
  return new P2mLinear(width, layout, layout.span);
}

/** xen_p2m_size for a guest: the VA area, ALIGN(max(span, hotplug limit), PMD_SIZE * PMDS_PER_MID_PAGE / 8) */
export function vaSlots(span: number, hotplugLimitPfns = P2M_LIMIT_PFNS): number {
  return Math.ceil(Math.max(span, hotplugLimitPfns) / PER_PTE_PAGE) * PER_PTE_PAGE;
}

export class P2mLinear implements P2m {
  readonly variant: string = name;
  readonly enc: Encoding = E64;
  readonly width: Width = 64;
  readonly capacity: number = MAXMEM_PFNS;
  readonly mem: Arena;
  structuralChanges = 0;
  readonly beyondReads = 'identity';
  readonly aboveInitial = 'identity';
  readonly flipsWholeLeaf = false;
  /** p2m_generation exists (Linux >= 4.3); the 3.19-4.2 list has none */
  protected readonly bumpsGeneration: boolean = true;
  get readLimit(): number {
    return this.size;
  }

  /** xen_p2m_size: slots of the VA area (= xen_max_p2m_pfn after xen_vmalloc_p2m_tree) */
  readonly size: number;
  /** p2m_vaddr as a VPN */
  readonly vaddrVpn = VMALLOC_START_VPN;
  /** p2m_cr3: the root (swapper_pg_dir) */
  readonly cr3: number;
  readonly missing: number; // p2m_missing
  readonly identity: number; // p2m_identity
  readonly missingPte: number; // p2m_missing_pte
  readonly identityPte: number; // p2m_identity_pte
  /** the MMU's view: frame backing each leaf-sized page of the list */
  readonly leafOf: Int32Array;
  protected gen = 0; // shared_info.arch.p2m_generation
  protected pfnLimit: number; // xen_p2m_last_pfn, published as shared_info.arch.max_pfn

  /** `hotplugLimitPfns` is CONFIG_XEN_MEMORY_HOTPLUG_LIMIT in pfns (default 512 GiB); the explorer uses a small one */
  constructor(width: Width, layout: Layout, hotplugLimitPfns = P2M_LIMIT_PFNS) {
    if (width !== 64) throw new CapacityError(name, 0, 'a 32-bit PAE guest (not modelled)');
    if (layout.span > MAXMEM_PFNS) throw new CapacityError(name, MAXMEM_PFNS, `a guest of ${layout.span} pfns`);
    // xen_vmalloc_p2m_tree: vm.size = ALIGN(8 * max(xen_max_p2m_pfn, P2M_LIMIT), PMD_SIZE * PMDS_PER_MID_PAGE)
    this.size = vaSlots(maxP2mPfn(layout), hotplugLimitPfns);
    const leaves = this.size / 512;
    this.leafOf = new Int32Array(leaves);
    this.mem = new Arena(Math.min(24 + Math.ceil(leafHint(layout, 512, true) * 1.01), 1 << 20));
    const mem = this.mem;
    this.missing = mem.alloc('p2m_missing', 0xffffffff);
    this.identity = mem.alloc('p2m_identity', 0xffffffff);
    this.missingPte = mem.alloc('p2m_missing_pte');
    fillPtes(mem, this.missingPte, this.missing);
    this.identityPte = mem.alloc('p2m_identity_pte');
    fillPtes(mem, this.identityPte, this.identity);
    // the kernel's own upper page tables: swapper_pg_dir and the L3 pages of the vmalloc area
    this.cr3 = mem.alloc('kernel_l4');
    const lastVpn = this.vaddrVpn + leaves - 1;
    for (let v = this.vaddrVpn; v <= lastVpn; v = (Math.floor(v / 2 ** 27) + 1) * 2 ** 27) {
      const l3 = mem.alloc('kernel_l3');
      writePte(mem, this.cr3, ptIndex(v, 4), l3);
    }
    // PMD pages of the area (vmalloc populates them when the area is mapped)
    for (let v = this.vaddrVpn; v <= lastVpn; v = (Math.floor(v / 2 ** 18) + 1) * 2 ** 18) {
      const l3 = readPte(mem, this.cr3, ptIndex(v, 4));
      const pmd = mem.alloc('p2m_pmd');
      fillPtes(mem, pmd, this.missingPte);
      writePte(mem, l3, ptIndex(v, 3), pmd);
    }
    this.leafOf.fill(this.missing);
    this.pfnLimit = maxP2mPfn(layout); // xen_p2m_last_pfn = xen_max_p2m_pfn (the end of the extra memory)
    this.rebuild(layout);
    this.invExtraMem(layout);
    this.findRun();
  }

  // ---- page-table access ---------------------------------------------------------------

  private vpnOf(slot: number): number {
    return this.vaddrVpn + slot;
  }

  /** p2m_vaddr is 1 GiB aligned: its VPN / 2^18 is an integer, so the walk indices are integer ops */
  private readonly vaddrGiB = VMALLOC_START_VPN / 2 ** 18;

  /** the PMD frame whose entry maps the PTE page of leaf slot `slot` */
  protected pmdOf(slot: number): number {
    const g = this.vaddrGiB + Math.floor(slot / 2 ** 18);
    const l3 = readPte(this.mem, this.cr3, Math.floor(g / 512) % 512);
    return readPte(this.mem, l3, g % 512);
  }

  /** lookup_address: the 4-level software walk to the PTE page of slot `slot` */
  protected ptePageOf(slot: number): number {
    return readPte(this.mem, this.pmdOf(slot), Math.floor(slot / 512) % 512);
  }

  /**
   * xen_p2m_elem_type while the list is rebuilt: xen_p2m_size is still ALIGN(nr_pages), so
   * every slot from there up is identity; below it, what the builder populated
   */
  private kindOf(layout: Layout, initEnd: number, start: number, end: number): 'ram' | 'ident' | 'missing' | 'mixed' {
    if (start >= initEnd) return 'ident';
    if (end > initEnd) return 'mixed';
    return chunkKind(layout, start, end);
  }

  /**
   * xen_rebuild_p2m_list: 1 GiB chunks, shared PTE pages for uniform GiBs, shared leaves for
   * uniform 2 MiB; a populated leaf is a fresh page (alloc_p2m_page, then copy_page from the
   * builder's list). The model allocates the PTE pages first and then the leaves in pfn order,
   * so that the boot leaves are consecutive frames: over that run a frame offset equals the
   * list's virtual offset (see runEnd). Linux places those pages wherever memblock gives them;
   * only the model's frame numbers differ, every count and every walk is the same.
   */
  private rebuild(layout: Layout): void {
    const mem = this.mem;
    const initEnd = initialEnd(layout, 512);
    const chunks: Array<[number, number]> = []; // [first pfn of the GiB, its PTE page]
    for (let g = 0; g < this.size; g += PER_PTE_PAGE) {
      const kind = this.kindOf(layout, initEnd, g, g + PER_PTE_PAGE);
      if (kind === 'missing') continue; // PMD already points at p2m_missing_pte
      const slot0 = g / 512;
      if (kind === 'ident') {
        writePte(mem, this.pmdOf(slot0), ptIndex(this.vpnOf(slot0), 2), this.identityPte);
        this.leafOf.fill(this.identity, slot0, slot0 + 512);
        continue;
      }
      const pte = mem.alloc('p2m_pte');
      fillPtes(mem, pte, this.missing);
      writePte(mem, this.pmdOf(slot0), ptIndex(this.vpnOf(slot0), 2), pte);
      chunks.push([g, pte]);
    }
    for (const [g, pte] of chunks) {
      const slot0 = g / 512;
      for (let i = 0; i < 512; i++) {
        const start = g + i * 512;
        const k = this.kindOf(layout, initEnd, start, start + 512);
        if (k === 'missing') continue;
        if (k === 'ident') {
          writePte(mem, pte, i, this.identity);
          this.leafOf[slot0 + i] = this.identity;
          continue;
        }
        const leaf = mem.alloc('p2m_leaf', k === 'ram' ? 0 : 0xffffffff); // a RAM leaf is overwritten whole
        if (k === 'ram') fillRamLeaf(mem.lanes, leaf << PAGE_SHIFT_LANES, start, 512, true);
        else for (let j = 0; j < 512; j++) this.writeEntry(leaf, j, bootEntry(this.enc, layout, start + j, true));
        writePte(mem, pte, i, leaf);
        this.leafOf[slot0 + i] = leaf;
      }
    }
  }

  /**
   * The list from pfn 0 up to `runEnd` lies in consecutive private frames from `runBase`: the
   * timed lookup reads there the entry at runBase + 2·pfn with no leafOf load, as the kernel's
   * one load of xen_p2m_addr[pfn] leaves the translation to the MMU (a TLB hit costs no load).
   * Above the run, leafOf stands for the translation. Fixed at boot: only shared leaves are
   * ever replaced (a private leaf is never given back), so the run stays valid.
   */
  private runEnd = 0;
  private runBase = 0;

  private findRun(): void {
    const f0 = this.leafOf[0];
    if (f0 === undefined || f0 === this.missing || f0 === this.identity) return;
    let r = 1;
    while (r < this.leafOf.length && this.leafOf[r] === f0 + r) r++;
    this.runBase = f0 << PAGE_SHIFT_LANES;
    this.runEnd = Math.min(r * 512, this.size);
  }

  /**
   * setup.c:xen_inv_extra_mem: set_phys_to_machine(pfn, INVALID_P2M_ENTRY) over the extra
   * memory. Each of those slots maps p2m_identity, so each GiB gets a private PTE page (a
   * copy of p2m_identity_pte) and each leaf a private page (p2m_init_identity, then the
   * extra pfns INVALID): the whole extra range costs its leaves at boot. Done leaf by leaf
   * here with the result alloc_p2m would leave; at boot, before xen_setup_mfn_list_list
   * publishes p2m_generation = 0.
   */
  private invExtraMem(layout: Layout): void {
    const mem = this.mem;
    for (const x of extraOf(layout)) {
      const end = Math.min(x.end, this.size);
      for (let slot = Math.floor(x.start / 512); slot * 512 < end; slot++) {
        const pmd = this.pmdOf(slot);
        const pmdIdx = Math.floor(slot / 512) % 512;
        const shared = readPte(mem, pmd, pmdIdx);
        if (shared === this.missingPte || shared === this.identityPte) {
          const fresh = mem.alloc('p2m_pte');
          mem.copy(fresh, shared);
          writePte(mem, pmd, pmdIdx, fresh);
        }
        const pte = readPte(mem, pmd, pmdIdx);
        let leaf = readPte(mem, pte, slot % 512);
        if (leaf === this.missing || leaf === this.identity) {
          const partly = leaf === this.identity && extraIn(layout, slot * 512, slot * 512 + 512) < 512;
          leaf = mem.alloc('p2m_leaf', 0xffffffff);
          if (partly)
            for (let j = 0; j < 512; j++)
              if (!inExtra(layout, slot * 512 + j)) this.writeEntry(leaf, j, slot * 512 + j + E64.IDENTITY);
          writePte(mem, pte, slot % 512, leaf);
          this.leafOf[slot] = leaf;
        } else {
          for (let j = 0; j < 512; j++) if (inExtra(layout, slot * 512 + j)) this.writeEntry(leaf, j, E64.INVALID);
        }
      }
    }
  }

  readFrame(frame: number, idx: number): number {
    const b = (frame << PAGE_SHIFT_LANES) + (idx << 1);
    return viewOf(this.mem.lanes[b]!, this.mem.lanes[b + 1]!);
  }

  private writeEntry(frame: number, idx: number, e: number): void {
    const lanes = this.mem.lanes;
    const b = (frame << PAGE_SHIFT_LANES) + (idx << 1);
    lanes[b] = e >>> 0;
    lanes[b + 1] = hiLaneOf(e);
  }

  // ---- guest side ------------------------------------------------------------------------

  lookup(pfn: number): number {
    if (pfn < this.size) {
      const lanes = this.mem.lanes;
      const f = this.leafOf[pfn < TWO31 ? pfn >>> 9 : Math.floor(pfn / 512)]!;
      const b = (f << PAGE_SHIFT_LANES) + ((pfn & 511) << 1);
      const lo = lanes[b]!;
      const hi = lanes[b + 1]!;
      if ((lo & hi) !== -1) return (hi & 0x3fffffff) * 4294967296 + lo;
    }
    const e = this.slow(pfn);
    return e === E64.INVALID ? e : e % E64.IDENTITY;
  }

  lookupSum(pfns: Uint32Array, n: number, acc: Float64Array): number {
    acc[0] = 0;
    acc[1] = 0;
    const lanes = this.mem.lanes; // read once: a lookup allocates nothing
    for (let from = 0; from < n; from += CHUNK)
      listW64(
        lanes,
        this.runBase,
        this.runEnd,
        this.leafOf,
        this.size,
        this,
        pfns,
        from,
        Math.min(n, from + CHUNK),
        acc,
      );
    return pairValue(acc);
  }

  lookupRangeSum(first: number, n: number, acc: Float64Array): number {
    acc[0] = 0;
    acc[1] = 0;
    const lanes = this.mem.lanes;
    for (let from = first; from < first + n; from += CHUNK)
      listW64Range(
        lanes,
        this.runBase,
        this.runEnd,
        this.leafOf,
        this.size,
        this,
        from,
        Math.min(first + n, from + CHUNK),
        acc,
      );
    return pairValue(acc);
  }

  raw(pfn: number): number {
    if (pfn < this.size) {
      const e = this.readFrame(this.leafOf[Math.floor(pfn / 512)]!, pfn % 512);
      if (e !== E64.INVALID) return e;
    }
    return this.slow(pfn);
  }

  /** get_phys_to_machine: beyond the area reads identity; else walk the page tables */
  private slow(pfn: number): number {
    if (pfn >= this.size) return pfn + E64.IDENTITY; // xen_chk_extra_mem: no extra-mem regions modelled
    const slot = Math.floor(pfn / 512);
    const leaf = readPte(this.mem, this.ptePageOf(slot), slot % 512);
    if (leaf === this.identity) return pfn + E64.IDENTITY;
    return this.readFrame(leaf, pfn % 512);
  }

  trace(pfn: number, out: LookupTrace): number {
    out.loads = 0;
    out.frames.length = 0;
    if (pfn >= this.size) return pfn + E64.IDENTITY;
    const slot = Math.floor(pfn / 512);
    const f = this.leafOf[slot]!;
    out.loads++;
    out.frames.push(f);
    const e = this.readFrame(f, pfn % 512);
    if (e !== E64.INVALID) return e;
    // lookup_address: L4, L3, L2 (PMD), L1 (PTE) then, unless identity, the entry again
    const v = this.vpnOf(slot);
    const l3 = readPte(this.mem, this.cr3, ptIndex(v, 4));
    const pmd = readPte(this.mem, l3, ptIndex(v, 3));
    const pte = readPte(this.mem, pmd, ptIndex(v, 2));
    const leaf = readPte(this.mem, pte, ptIndex(v, 1));
    out.frames.push(this.cr3, l3, pmd, pte);
    out.loads += 4;
    if (leaf === this.identity) return pfn + E64.IDENTITY;
    out.frames.push(leaf);
    out.loads++;
    return this.readFrame(leaf, pfn % 512);
  }

  setNoAlloc(pfn: number, e: number): boolean {
    if (pfn >= this.size) {
      if (e === E64.INVALID) return true;
      throw new CapacityError(name, this.size, `pfn ${pfn} (the VA area, xen_p2m_size)`);
    }
    checkEntry(this.enc, e);
    const slot = Math.floor(pfn / 512);
    const f = this.leafOf[slot]!;
    // xen_safe_write_ulong: one atomic store, faulting on a read-only shared leaf
    if (f !== this.missing && f !== this.identity) {
      this.writeEntry(f, pfn % 512, e);
      return true;
    }
    if (f === this.missing) return e === E64.INVALID;
    return e === pfn + E64.IDENTITY;
  }

  set(pfn: number, e: number): boolean {
    if (this.setNoAlloc(pfn, e)) return true;
    const it = this.allocSteps(pfn);
    while (!it.next().done) {
      /* run every step */
    }
    if (!this.setNoAlloc(pfn, e)) throw new Error(`linear: set(${pfn}) failed after allocation`);
    return true;
  }

  *setSteps(pfn: number, e: number): Generator<string, boolean, void> {
    if (this.setNoAlloc(pfn, e)) return true;
    yield* this.allocSteps(pfn);
    if (!this.setNoAlloc(pfn, e)) throw new Error(`linear: set(${pfn}) failed after allocation`);
    return true;
  }

  /**
   * xen_alloc_p2m_entry (with alloc_p2m_pmd): allocate a private copy of the shared page, then
   * under p2m_update_lock re-check the slot and install it with p2m_generation odd around the
   * store, or free the copy if another CPU won. Each yield ends one step another CPU or the
   * toolstack could interleave with.
   */
  private *allocSteps(pfn: number): Generator<string, void, void> {
    const mem = this.mem;
    const slot = Math.floor(pfn / 512);
    const pmd = this.pmdOf(slot);
    const pmdIdx = Math.floor(slot / 512) % 512;
    const sharedPte = readPte(mem, pmd, pmdIdx);
    if (sharedPte === this.missingPte || sharedPte === this.identityPte) {
      const fresh = mem.alloc('p2m_pte');
      mem.copy(fresh, sharedPte); // copy_page(new, shared PTE page)
      yield 'alloc a PTE page (copy of the shared one)';
      yield* this.lock();
      if (readPte(mem, pmd, pmdIdx) === sharedPte) {
        yield* this.generationOdd();
        writePte(mem, pmd, pmdIdx, fresh); // set_pmd
        this.structuralChanges++;
        if (this.bumpsGeneration) yield 'set_pmd: private PTE page';
        yield* this.generationEvenUnlock('set_pmd: private PTE page, unlock');
      } else {
        this.locked = false;
        mem.free(fresh);
        yield 'lost the race for the PMD: unlock, free the PTE page';
      }
    }
    yield* this.publishMidMfn(slot);
    const pte = readPte(mem, pmd, pmdIdx);
    const pteIdx = slot % 512;
    const leaf = readPte(mem, pte, pteIdx);
    if (leaf === this.missing || leaf === this.identity) {
      const fresh = mem.alloc('p2m_leaf', leaf === this.missing ? 0xffffffff : 0);
      if (leaf === this.identity) {
        const base = slot * 512; // p2m_init_identity(p2m, pfn & ~(P2M_PER_PAGE - 1))
        for (let i = 0; i < 512; i++) this.writeEntry(fresh, i, base + i + E64.IDENTITY);
      }
      yield 'alloc a leaf';
      yield* this.lock();
      if (readPte(mem, pte, pteIdx) === leaf) {
        yield* this.generationOdd();
        writePte(mem, pte, pteIdx, fresh); // set_pte
        this.leafOf[slot] = fresh;
        this.structuralChanges++;
        yield 'set_pte: private leaf';
        yield* this.publishLeaf(slot, fresh);
        yield* this.generationEvenUnlock('unlock');
      } else {
        this.locked = false;
        mem.free(fresh);
        yield 'lost the race for the PTE: unlock, free the leaf';
      }
    }
    if (pfn >= this.pfnLimit) this.pfnLimit = Math.ceil((pfn + 1) / 512) * 512; // ALIGN(pfn + 1, P2M_PER_PAGE)
  }

  /** p2m_generation++ before a mapping change (odd: update in progress), where the ABI has it */
  private *generationOdd(): Generator<string, void, void> {
    if (!this.bumpsGeneration) return;
    this.gen++; // p2m_generation++; wmb()
    yield 'p2m_generation++ (odd)';
  }

  /** wmb(); p2m_generation++ (even again), then unlock; `plain` labels the unlock where there is no generation */
  private *generationEvenUnlock(plain: string): Generator<string, void, void> {
    if (this.bumpsGeneration) this.gen++;
    this.locked = false;
    yield this.bumpsGeneration ? 'p2m_generation++ (even), unlock' : plain;
  }

  /** hook: the 3.19-4.2 list keeps its frame-list tree for the toolstack (alloc_p2m: p2m_top_mfn[topidx]) */
  protected *publishMidMfn(_slot: number): Generator<string, void, void> {}

  /** hook: ... and publishes a new leaf's MFN in p2m_mid_mfn (alloc_p2m: mid_mfn[mididx], under the lock) */
  protected *publishLeaf(_slot: number, _leaf: number): Generator<string, void, void> {}

  /** p2m_update_lock. Only the explorer's step programs ever find it held (set() runs to completion). */
  private locked = false;

  quiescent(): boolean {
    return !this.locked;
  }

  resumed(): void {
    this.gen = 0; // xen_setup_mfn_list_list: p2m_generation = 0 on every resume
  }

  private *lock(): Generator<string, void, void> {
    // the prefix is explore.ts's SPIN_PREFIX: this step changed nothing, wait for another thread
    while (this.locked) yield 'spin: p2m_update_lock is held';
    this.locked = true;
  }

  p2mPages(): number {
    return this.mem.pages - this.mem.role('kernel_l4') - this.mem.role('kernel_l3');
  }

  generation(): number {
    return this.gen;
  }

  publishedMaxPfn(): number {
    return this.pfnLimit;
  }

  publishedCr3(): number {
    return this.cr3; // xen_pfn_to_cr3(virt_to_mfn(swapper_pg_dir)); never 0 (frame 0 is never handed out)
  }

  // ---- toolstack side --------------------------------------------------------------------

  /** what the MMU resolves for the slot (kept equal to the page tables by set_pte) */
  currentLeaf(slot: number): number {
    return this.leafOf[slot]!;
  }

  /** the same, found by walking the page tables (tests check the two agree) */
  walkLeaf(slot: number): number {
    return readPte(this.mem, this.ptePageOf(slot), ptIndex(this.vpnOf(slot), 1));
  }

  /** map_p2m_list from the published p2m_cr3, p2m_vaddr and max_pfn; p2m_generation recorded, not checked here */
  mapForToolstack(): ToolView {
    return mapP2mList(this.mem, this.cr3, this.vaddrVpn, this.pfnLimit, this.gen);
  }
}
