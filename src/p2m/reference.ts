// The reference model the correctness gate checks every variant against: a Map of the
// entries written on top of the boot layout, plus which leaf-sized blocks are shared missing,
// shared identity or private. No pages, no pointers: only the observable semantics of
// Linux arch/x86/xen/p2m.c (get_phys_to_machine, __set_phys_to_machine in both the tree and
// the list versions), with the two places where the layouts differ as options.
import { checkEntry, hasIdentityBit, type Encoding } from './entry.js';
import { bootEntry, chunkKind, extraIn, initialEnd, type Layout } from './layout.js';
import { CapacityError } from './variant.js';

export interface ReferenceOptions {
  readonly variant: string;
  /** tree: writing an identity value into a missing leaf flips the whole leaf to p2m_identity */
  readonly flipWholeLeaf: boolean;
  /** pfns at and beyond this read `beyond` and accept only INVALID writes */
  readonly limit: number;
  /** tree: INVALID beyond MAX_P2M_PFN; linear: IDENTITY beyond xen_p2m_size */
  readonly beyond: 'invalid' | 'identity';
  /** tree: missing above the initial allocation; list: identity, the extra memory private and INVALID */
  readonly aboveInitial: 'missing' | 'identity';
}

type LeafState = 0 | 1 | 2; // missing, identity, private

export class P2mReference {
  private readonly over = new Map<number, number>();
  private readonly state = new Map<number, LeafState>();
  /** leaves made private from a runtime identity flip: their entries default to IDENTITY_FRAME */
  private readonly fromFlip = new Set<number>();
  private readonly flipped = new Set<number>();

  private readonly aboveIdentity: boolean;
  private readonly initEnd: number;

  constructor(
    readonly enc: Encoding,
    readonly layout: Layout,
    readonly opts: ReferenceOptions,
  ) {
    this.aboveIdentity = opts.aboveInitial === 'identity';
    this.initEnd = initialEnd(layout, enc.perPage);
  }

  private leafState(slot: number): LeafState {
    const s = this.state.get(slot);
    if (s !== undefined) return s;
    const start = slot * this.enc.perPage;
    if (this.aboveIdentity && start >= this.initEnd)
      return extraIn(this.layout, start, start + this.enc.perPage) > 0 ? 2 : 1;
    const end = Math.min(start + this.enc.perPage, this.layout.span);
    if (start >= this.layout.span) return 0;
    const k = chunkKind(this.layout, start, end);
    if (k === 'missing' && end - start === this.enc.perPage) return 0;
    if (k === 'ident' && end - start === this.enc.perPage) return 1;
    return k === 'missing' ? 0 : 2;
  }

  raw(pfn: number): number {
    const enc = this.enc;
    if (pfn >= this.opts.limit) return this.opts.beyond === 'invalid' ? enc.INVALID : pfn + enc.IDENTITY;
    const slot = Math.floor(pfn / enc.perPage);
    const st = this.leafState(slot);
    if (st === 0) return enc.INVALID;
    if (st === 1) return pfn + enc.IDENTITY;
    const v = this.over.get(pfn);
    if (v !== undefined) return v;
    if (this.fromFlip.has(slot)) return pfn + enc.IDENTITY;
    return bootEntry(enc, this.layout, pfn, this.aboveIdentity);
  }

  lookup(pfn: number): number {
    const e = this.raw(pfn);
    return e === this.enc.INVALID ? e : e % this.enc.IDENTITY;
  }

  set(pfn: number, e: number): boolean {
    const enc = this.enc;
    if (pfn >= this.opts.limit) {
      if (e === enc.INVALID) return true;
      throw new CapacityError(this.opts.variant, this.opts.limit, `pfn ${pfn}`);
    }
    checkEntry(enc, e);
    const slot = Math.floor(pfn / enc.perPage);
    const st = this.leafState(slot);
    if (st === 0) {
      if (e === enc.INVALID) return true;
      if (this.opts.flipWholeLeaf && hasIdentityBit(enc, e)) {
        this.state.set(slot, 1);
        this.flipped.add(slot);
        return true;
      }
      this.state.set(slot, 2);
    } else if (st === 1) {
      if (e === pfn + enc.IDENTITY || (this.opts.flipWholeLeaf && hasIdentityBit(enc, e))) return true;
      this.state.set(slot, 2);
      if (this.flipped.has(slot)) this.fromFlip.add(slot);
    }
    this.over.set(pfn, e);
    return true;
  }
}
