// Shared test helpers: small layouts and a uniform way to build each variant.
import type { Width } from '../../src/p2m/entry.js';
import { PFNS_PER_GIB, PFNS_PER_MIB, type Layout } from '../../src/p2m/layout.js';
import * as tree3 from '../../src/p2m/tree3.js';
import * as tree4 from '../../src/p2m/tree4.js';
import * as linear from '../../src/p2m/linear.js';
import * as linear319 from '../../src/p2m/linear319.js';
import type { P2m } from '../../src/p2m/variant.js';

export const VARIANTS = { tree3, tree4, linear, 'linear-3.19': linear319 } as const;
export type VariantName = keyof typeof VARIANTS;
export const NAMES = Object.keys(VARIANTS) as VariantName[];

export function build(name: VariantName, layout: Layout, width: Width = 64): P2m {
  return VARIANTS[name].create(width, layout);
}

/** 3 GiB: RAM 0-1029 MiB, identity 1029-2001 MiB (misaligned), a missing gap, RAM at the top */
export function smallPc(): Layout {
  const m = PFNS_PER_MIB;
  return {
    span: 3 * PFNS_PER_GIB,
    ranges: [
      { start: 0, end: 1029 * m, kind: 'ram' },
      { start: 1029 * m, end: 2001 * m, kind: 'ident' },
      { start: 2900 * m, end: 3072 * m, kind: 'ram' },
    ],
  };
}
