// tree3: the real Linux <= 3.18 p2m (arch/x86/xen/p2m.c at 0160676b): p2m_top -> p2m_mid ->
// leaf, one page per level, so 512^3 = 2^27 pfns (512 GiB) for a 64-bit guest and
// 1024^3 = 2^30 pfns (4 TiB) for a 32-bit PAE guest. See tree.ts.
import type { Width } from './entry.js';
import type { Layout } from './layout.js';
import { P2mTree } from './tree.js';
import type { P2m, ToolstackPath } from './variant.js';

export const name = 'tree3';
/** 64-bit guests and 32-bit PAE guests alike */
export const widths: readonly Width[] = [64, 32];
export const DEPTH = 3;
/** the tree publishes pfn_to_mfn_frame_list_list and no p2m_cr3 */
export const toolstackPath: ToolstackPath = 'frame-list';

export function capacity(width: Width): number {
  return (width === 64 ? 512 : 1024) ** DEPTH;
}

/** Linux arch/x86/xen/Kconfig XEN_MAX_DOMAIN_MEMORY (500 GiB on 64-bit, 64 on 32-bit) gives MAX_DOMAIN_PAGES (arch/x86/include/asm/xen/page.h) */
export function defaultCap(width: Width): { pfns: number; why: string } {
  return width === 64
    ? {
        pfns: 500 * 2 ** 18,
        why: 'XEN_MAX_DOMAIN_MEMORY: 500 GiB, the boot-time cap of tree kernels (setup.c: min(MAX_DOMAIN_PAGES, nr_pages))',
      }
    : { pfns: 64 * 2 ** 18, why: 'XEN_MAX_DOMAIN_MEMORY: 64 GiB for a 32-bit PAE guest' };
}

export function create(width: Width, layout: Layout): P2m {
  return new P2mTree(name, DEPTH, width, layout);
}

/** the tree reserves nothing beyond what it populates: the compact build is the same build */
export function createCompact(width: Width, layout: Layout): P2m {
  return create(width, layout);
}
