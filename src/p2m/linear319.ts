// linear-3.19: the linear list as Linux 3.19-4.2 shipped it (arch/x86/xen/p2m.c from
// 054954eb, "xen: switch to linear virtual mapped sparse p2m list", until the 4.3 series
// "xen: support pv-domains larger than 512GB"). The guest looks its p2m up through the
// virtually mapped list, but publishes only what tree-era toolstacks know: the frame-list
// tree (p2m_top_mfn -> p2m_mid_mfn -> leaf MFNs, xen_build_mfn_list_list) and max_pfn, with
// no p2m_cr3 and no p2m_generation (arch_shared_info had neither before Xen 4.6). So the
// toolstack walks it the tree way (map_p2m_tree), and a structural change during a
// migration goes unnoticed exactly as with the tree.
//
// Differences from `linear` (Linux >= 4.3): the VA area is sized to the end of the extra
// memory (vm.size = ALIGN(8 * xen_max_p2m_pfn, PMD_SIZE), no CONFIG_XEN_MEMORY_HOTPLUG_LIMIT
// reserve), max_pfn is that size and never grows, the 512 GiB limit of the frame-list tree
// still holds (MAX_P2M_PFN), and alloc_p2m keeps the MFN tree in step: a missing
// p2m_mid_mfn is allocated and cmpxchg'd into p2m_top_mfn, and a new leaf's MFN written into
// it under p2m_update_lock right after set_pte. Linux 4.3-4.13 domUs (and dom0 always) keep
// this frame-list tree too, but publish p2m_cr3, so the toolstack walks their page tables.
import type { Width } from './entry.js';
import { mapFrameListTree } from './framelist.js';
import type { Layout } from './layout.js';
import { P2mLinear } from './linear.js';
import { fillPtes, readPte, writePte } from './pagetable.js';
import { CapacityError, type P2m, type ToolstackPath, type ToolView } from './variant.js';

export const name = 'linear-3.19';
/** 64-bit guests (32-bit PAE guests stop at 64 GiB) */
export const widths: readonly Width[] = [64];
/** the guest publishes pfn_to_mfn_frame_list_list and no p2m_cr3 */
export const toolstackPath: ToolstackPath = 'frame-list';
/** MAX_P2M_PFN of the frame-list tree: 512 GiB, the limit the 4.3 series lifted */
export const MAX_P2M_PFN = 2 ** 27;

export function capacity(width: Width): number {
  return width === 64 ? MAX_P2M_PFN : 0;
}

/** 3.19-4.2 still had XEN_MAX_DOMAIN_MEMORY; Linux c70727a5bc18 "xen: allow more than 512 GB of RAM for 64 bit pv-domains" (4.3) replaced it by XEN_512GB */
export function defaultCap(_width: Width): { pfns: number; why: string } {
  return { pfns: 500 * 2 ** 18, why: 'XEN_MAX_DOMAIN_MEMORY: 500 GiB, until the 4.3 series lifted it' };
}

export function create(width: Width, layout: Layout): P2m {
  return new P2mLinearFll(width, layout);
}

/** the VA area is already sized to the guest: the compact build is the same build */
export function createCompact(width: Width, layout: Layout): P2m {
  return create(width, layout);
}

export class P2mLinearFll extends P2mLinear {
  override readonly variant: string = name;
  override readonly capacity: number = MAX_P2M_PFN;
  protected override readonly bumpsGeneration: boolean = false;
  /** p2m_top_mfn, published as pfn_to_mfn_frame_list_list */
  readonly topMfn: number;
  /** p2m_mid_missing_mfn: every entry the MFN of p2m_missing */
  readonly midMissingMfn: number;

  constructor(width: Width, layout: Layout) {
    if (layout.span > MAX_P2M_PFN) throw new CapacityError(name, MAX_P2M_PFN, `a guest of ${layout.span} pfns`);
    super(width, layout, 0); // no hotplug reserve
    // xen_build_mfn_list_list at boot
    const mem = this.mem;
    this.midMissingMfn = mem.alloc('p2m_mid_missing_mfn');
    fillPtes(mem, this.midMissingMfn, this.missing);
    mem.alloc('p2m_top_mfn_p'); // the kernel's pointers to the p2m_mid_mfn pages: one page, no MFNs
    this.topMfn = mem.alloc('p2m_top_mfn');
    fillPtes(mem, this.topMfn, this.midMissingMfn);
    const slots = Math.min(this.size, MAX_P2M_PFN) / 512;
    for (let slot = 0; slot < slots; slot++) {
      const pte = this.ptePageOf(slot);
      if (pte === this.missingPte || pte === this.identityPte) {
        slot += 511; // a shared GiB keeps p2m_mid_missing_mfn
        continue;
      }
      const t = Math.floor(slot / 512);
      let mid = readPte(mem, this.topMfn, t);
      if (mid === this.midMissingMfn) {
        mid = mem.alloc('p2m_mid_mfn');
        fillPtes(mem, mid, this.missing);
        writePte(mem, this.topMfn, t, mid);
      }
      writePte(mem, mid, slot % 512, readPte(mem, pte, slot % 512)); // mid_mfn_p[mididx] = pte_mfn(*ptep)
    }
  }

  /** alloc_p2m: a p2m_mid_mfn for this GiB, allocated and cmpxchg'd into p2m_top_mfn */
  protected override *publishMidMfn(slot: number): Generator<string, void, void> {
    const mem = this.mem;
    const t = Math.floor(slot / 512);
    if (readPte(mem, this.topMfn, t) !== this.midMissingMfn) return;
    const mid = mem.alloc('p2m_mid_mfn');
    fillPtes(mem, mid, this.missing);
    yield 'alloc a mid_mfn';
    if (readPte(mem, this.topMfn, t) === this.midMissingMfn) {
      writePte(mem, this.topMfn, t, mid);
      yield `publish it in top_mfn[${t}]`;
    } else {
      mem.free(mid);
      yield `lost the race for top_mfn[${t}]: free the mid_mfn`;
    }
  }

  /** alloc_p2m: mid_mfn[mididx] = virt_to_mfn(p2m), under the lock but after set_pte (the toolstack takes no lock) */
  protected override *publishLeaf(slot: number, leaf: number): Generator<string, void, void> {
    const mid = readPte(this.mem, this.topMfn, Math.floor(slot / 512));
    writePte(this.mem, mid, slot % 512, leaf);
    yield `publish its mfn in mid_mfn[${slot % 512}]`;
  }

  /** xen_setup_mfn_list_list: max_pfn = xen_max_p2m_pfn, the VA area's size, fixed at boot */
  override publishedMaxPfn(): number {
    return this.size;
  }

  override publishedCr3(): number {
    return 0;
  }

  /** map_p2m_tree over the frame-list tree */
  override mapForToolstack(): ToolView {
    return mapFrameListTree(this.mem, this.topMfn, 3, 512, this.size, this.variant);
  }
}
