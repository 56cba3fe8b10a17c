// The one interface every p2m variant implements (tree3, tree4, linear). A variant knows
// nothing of the harness: it is a guest-side p2m (lookup, set) plus what the toolstack
// (libxenguest save) needs to find and read it.
import type { Encoding, Width } from './entry.js';
import type { Arena } from './memory.js';
import type { Layout } from './layout.js';

/** Thrown for a pfn (or guest) beyond what a variant can represent; the message names the capacity. */
export class CapacityError extends RangeError {
  constructor(
    readonly variant: string,
    readonly capacity: number,
    what: string,
  ) {
    super(`${variant}: ${what} is beyond its capacity of ${capacity} pfns (${formatPfns(capacity)})`);
  }
}

export function formatPfns(pfns: number): string {
  const bytes = pfns * 4096;
  const units: Array<[number, string]> = [
    [2 ** 40, 'TiB'],
    [2 ** 30, 'GiB'],
    [2 ** 20, 'MiB'],
  ];
  for (const [u, name] of units) if (bytes >= u && bytes % u === 0) return `${bytes / u} ${name}`;
  return `${bytes / 2 ** 20} MiB`;
}

/** The toolstack's view of the guest p2m after map_p2m: the leaf frames it keeps mapped, in pfn order. */
export interface ToolView {
  /** MFN (frame) of the leaf holding pfns [i*perPage, (i+1)*perPage), as the walk found it */
  readonly leaves: Int32Array;
  /** pfns covered: leaves.length * perPage, after trimming; the tools' max_pfn + 1 */
  readonly pfns: number;
  /** every foreign page mapped to build the view (upper levels + leaves) */
  readonly maps: number;
  /** of which leaves (kept mapped for the whole save) */
  readonly leafMaps: number;
  /** p2m_generation recorded at map time; -1 in tree mode (libxenguest's ~0ULL: no checks) */
  readonly generation: number;
}

/** Counts of one instrumented lookup. */
export interface LookupTrace {
  /** dependent loads (each needs the previous one's result) */
  loads: number;
  /** frames touched, in order */
  readonly frames: number[];
}

/** One atomic step of a structural operation, for the interleaving explorer. */
export type StepLabel = string;

export interface P2m {
  readonly variant: string;
  readonly enc: Encoding;
  readonly width: Width;
  /** pfns the structure can hold (MAX_P2M_PFN for trees, the VA area for linear) */
  readonly capacity: number;
  /** the arena holding every p2m frame (and, for linear, the page tables the toolstack walks) */
  readonly mem: Arena;

  /** semantics the reference model needs: where reads stop following the structure and what they return there (get_phys_to_machine) */
  readonly readLimit: number;
  readonly beyondReads: 'invalid' | 'identity';
  /**
   * what the slots above the initial allocation hold at boot: the tree leaves them
   * p2m_missing; the list maps them to p2m_identity (xen_p2m_elem_type) and gives the
   * extra memory private INVALID leaves (xen_inv_extra_mem)
   */
  readonly aboveInitial: 'missing' | 'identity';
  /** tree: an identity value written into a missing leaf flips the whole leaf */
  readonly flipsWholeLeaf: boolean;

  /** pfn_to_mfn: the entry with FOREIGN and IDENTITY cleared, INVALID passes through. Hot path. */
  lookup(pfn: number): number;
  /**
   * the timed lookup path: the sum of lookup(pfns[i]) for i < n, modulo 2^64, left in acc as
   * [low 32 bits, high 32 bits] and returned as one number (exact below 2^53); every pfn below
   * 2^32. One kernel per configuration, chosen at construction (fastlookup.ts).
   */
  lookupSum(pfns: Uint32Array, n: number, acc: Float64Array): number;
  /** lookupSum over the pfns first .. first + n - 1 (first + n <= RANGE_END), read from no index array */
  lookupRangeSum(first: number, n: number, acc: Float64Array): number;
  /** __pfn_to_mfn: the raw entry view (flags kept). */
  raw(pfn: number): number;
  /** set_phys_to_machine: may allocate (copy-on-write of shared pages). Returns false only where Linux does. */
  set(pfn: number, e: number): boolean;
  /** __set_phys_to_machine: never allocates; false when a new page would be needed */
  setNoAlloc(pfn: number, e: number): boolean;
  /** raw() with every load and frame recorded (not a hot path) */
  trace(pfn: number, out: LookupTrace): number;

  /** p2m pages in guest memory (leaves, intermediate pages, shared pages; linear: + PMD pages) */
  p2mPages(): number;
  /** structural changes so far (a new page installed in the structure) */
  readonly structuralChanges: number;
  /** shared_info.arch.p2m_generation (linear); always 0 for trees, which have none */
  generation(): number;
  /** shared_info.arch.max_pfn as published by the guest (a count: highest pfn + 1) */
  publishedMaxPfn(): number;
  /**
   * shared_info.arch.p2m_cr3 as published by the guest: 0 when it publishes no page-table
   * root, and the toolstack then walks the frame-list tree (libxenguest
   * tools/libs/guest/xg_sr_save_x86_pv.c:map_p2m chooses map_p2m_list iff p2m_cr3 != 0)
   */
  publishedCr3(): number;

  /** libxenguest map_p2m: the frame-list walk (trees) or the page-table walk (linear). Throws if the tools refuse. */
  mapForToolstack(): ToolView;
  /** the frame the guest's lookups use for leaf slot i right now (a stale toolstack view differs from it) */
  currentLeaf(slot: number): number;
  /** read entry `idx` of frame `frame` (a toolstack read through a foreign mapping) */
  readFrame(frame: number, idx: number): number;

  /**
   * no CPU is inside p2m_update_lock: suspend (stop_machine) can only stop the guest then;
   * the tree's lock-free cmpxchg sequence can stop between any two steps
   */
  quiescent(): boolean;
  /** the guest resumes after a suspend (xen_pv_post_suspend -> xen_setup_mfn_list_list republishes; p2m_generation = 0) */
  resumed(): void;

  /** set() as a sequence of atomic steps (each yield = one step), for the interleaving explorer */
  setSteps(pfn: number, e: number): Generator<StepLabel, boolean, void>;
}

/** How the toolstack finds the p2m: the frame-list tree from pfn_to_mfn_frame_list_list, or the guest's page tables from p2m_cr3. */
export type ToolstackPath = 'frame-list' | 'page-tables';

export interface VariantModule {
  /** build the variant for a guest of this width and layout, as the guest kernel does at boot */
  create(width: Width, layout: Layout): P2m;
  /**
   * the same structure with every boot-time reservation sized to the guest (the linear
   * list's VA area to the span instead of the 512 GiB hotplug reserve): what the
   * interleaving explorer replays thousands of times
   */
  createCompact(width: Width, layout: Layout): P2m;
  /** what the guest publishes for the toolstack (the real-threads model follows it) */
  readonly toolstackPath: ToolstackPath;
  /** capacity in pfns for a guest width (for `unsupported` before building anything) */
  capacity(width: Width): number;
  readonly name: string;
  /** the limit the guest kernel imposes by default, below the structure's capacity, and where it comes from */
  defaultCap(width: Width): { readonly pfns: number; readonly why: string };
  /** the guest widths the variant is modelled for */
  readonly widths: readonly Width[];
}
