// tree4: the tree one level deeper (top -> upper -> mid -> leaf), the alternative to the
// linear list that was not taken: 512^4 = 2^36 pfns (256 TiB) for 64-bit, 1024^4 = 2^40 for
// 32-bit, one more dependent load per lookup and one more frame-list level for the toolstack.
// Everything else as tree3 (see tree.ts).
import type { Width } from './entry.js';
import type { Layout } from './layout.js';
import { P2mTree } from './tree.js';
import type { P2m, ToolstackPath } from './variant.js';

export const name = 'tree4';
/** 64-bit guests and 32-bit PAE guests alike */
export const widths: readonly Width[] = [64, 32];
export const DEPTH = 4;
/** the tree publishes pfn_to_mfn_frame_list_list and no p2m_cr3 */
export const toolstackPath: ToolstackPath = 'frame-list';

export function capacity(width: Width): number {
  return (width === 64 ? 512 : 1024) ** DEPTH;
}

/** never built: no kernel cap, only the structure's */
export function defaultCap(width: Width): { pfns: number; why: string } {
  return { pfns: capacity(width), why: 'never built: no kernel cap below the structure' };
}

export function create(width: Width, layout: Layout): P2m {
  return new P2mTree(name, DEPTH, width, layout);
}

/** the tree reserves nothing beyond what it populates: the compact build is the same build */
export function createCompact(width: Width, layout: Layout): P2m {
  return create(width, layout);
}
