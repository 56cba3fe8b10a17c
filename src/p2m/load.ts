// Seeded p2m loads: an operation stream of lookups and sets
// over a guest layout. The layout comes from the case parameters; the stream from the seed.
// The same (params, seed) gives the same stream on every machine (Rng, never Math.random).
import { Rng } from '../harness/kit.js';
import type { LoadCodec, LoadRow, Params } from '../harness/kit.js';
import { encoding, type Width } from './entry.js';
import { ANCHOR_ORDERS, anchorStream, type AnchorOrder } from './anchorload.js';
import { driverDomain } from './driver.js';
import { hotAdd } from './hotadd.js';
import { extraOf, namedLayout, type Layout } from './layout.js';

export const LOADS = ['seq', 'random', 'stride', 'balloon', 'migrate', 'driver', 'hotadd'] as const;
/** the grid's loads, and `anchor`: the C anchors' fixed lookup stream (anchorload.ts), reached only by --full --case */
export type LoadKind = (typeof LOADS)[number] | 'anchor';

export const OP_LOOKUP = 0;
export const OP_SET = 1;

export interface P2mLoad {
  readonly width: Width;
  readonly gib: number;
  readonly layoutName: string;
  readonly layout: Layout;
  readonly kind: LoadKind;
  /** OP_LOOKUP or OP_SET per operation */
  readonly ops: Uint8Array;
  readonly pfns: Float64Array;
  /** entry view to write (OP_SET); 0 for lookups */
  readonly values: Float64Array;
}

export interface CaseParams {
  readonly width: Width;
  /** the guest's maxmem in GiB: the E820's end */
  readonly gib: number;
  /** the initial allocation in GiB (start_info.nr_pages): `mem` for layout=hotplug, else all of `gib` */
  readonly mem: number;
  readonly layout: string;
  readonly load: LoadKind;
  /** load=anchor only: the lookup order */
  readonly order?: AnchorOrder;
}

export function caseParams(params: Params): CaseParams {
  const width = Number(params['guest'] ?? 64);
  if (width !== 64 && width !== 32) throw new Error(`p2m: guest must be 64 or 32, got ${params['guest']}`);
  const gib = Number(params['gib']);
  if (!(gib > 0)) throw new Error(`p2m: gib must be positive, got ${params['gib']}`);
  const load = String(params['load']) as LoadKind;
  if (load !== 'anchor' && !(LOADS as readonly string[]).includes(load))
    throw new Error(`p2m: unknown load '${load}' (known: ${LOADS.join(', ')}, anchor)`);
  const order = params['order'];
  if ((load === 'anchor') !== (order !== undefined))
    throw new Error(
      `p2m: order goes with load=anchor and load=anchor needs it (order=${ANCHOR_ORDERS.join(' or order=')})`,
    );
  if (order !== undefined && !(ANCHOR_ORDERS as readonly string[]).includes(String(order)))
    throw new Error(`p2m: order must be ${ANCHOR_ORDERS.join(' or ')}, got '${order}'`);
  const layout = String(params['layout']);
  let mem = gib;
  if (params['mem'] !== undefined) {
    if (layout !== 'hotplug') throw new Error(`p2m: mem applies to layout=hotplug only, got layout=${layout}`);
    mem = Number(params['mem']);
    if (!(mem > 0 && mem <= gib)) throw new Error(`p2m: mem must be in (0, gib=${gib}], got ${params['mem']}`);
  } else if (layout === 'hotplug') mem = Math.min(4, gib);
  return { width, gib, mem, layout, load, ...(order !== undefined ? { order: String(order) as AnchorOrder } : {}) };
}

/** the case's guest memory map */
export function caseLayout(c: CaseParams): Layout {
  return namedLayout(c.layout, c.gib, c.mem);
}

/** pfn intervals of one class inside the span */
export type Intervals = Array<[number, number]>;

function classes(layout: Layout): { ram: Intervals; ident: Intervals; missing: Intervals; extra: Intervals } {
  const ram: Intervals = [];
  const ident: Intervals = [];
  const missing: Intervals = [];
  let at = 0;
  for (const r of layout.ranges) {
    if (r.start > at) missing.push([at, r.start]);
    (r.kind === 'ram' ? ram : ident).push([r.start, r.end]);
    at = r.end;
  }
  if (at < layout.span) missing.push([at, layout.span]);
  const extra: Intervals = extraOf(layout).map((x) => [x.start, x.end]);
  return { ram, ident, missing, extra };
}

export function total(iv: Intervals): number {
  let n = 0;
  for (const [a, b] of iv) n += b - a;
  return n;
}

/** uniform pfn from a set of intervals */
export function pick(rng: Rng, iv: Intervals, n: number): number {
  let k = n <= 0xffffffff ? rng.int(n) : Math.floor(rng.float() * n);
  for (const [a, b] of iv) {
    if (k < b - a) return a + k;
    k -= b - a;
  }
  throw new Error('pick: empty interval set');
}

export class Builder {
  readonly ops: number[] = [];
  readonly pfns: number[] = [];
  readonly values: number[] = [];
  lookup(pfn: number): void {
    this.ops.push(OP_LOOKUP);
    this.pfns.push(pfn);
    this.values.push(0);
  }
  set(pfn: number, e: number): void {
    this.ops.push(OP_SET);
    this.pfns.push(pfn);
    this.values.push(e);
  }
}

/** sizes of the streams: small enough to keep the default grid inside its time budget */
export const LOOKUPS = 8192;
export const SETS = 1024;

export function generate(params: Params, seed: number): P2mLoad {
  const c = caseParams(params);
  const enc = encoding(c.width);
  const layout = caseLayout(c);
  if (c.load === 'anchor') {
    const s = anchorStream(layout, c.order!);
    return { width: c.width, gib: c.gib, layoutName: c.layout, layout, kind: c.load, ...s };
  }
  const rng = new Rng(seed >>> 0);
  const cls = classes(layout);
  const nRam = total(cls.ram);
  const nIdent = total(cls.ident);
  const nMissing = total(cls.missing);
  // the balloon populates only its extra memory (xen_extra_mem); without any, the holes
  const grow = total(cls.extra) > 0 ? cls.extra : cls.missing;
  const nGrow = total(grow);
  const b = new Builder();
  // a fresh MFN: above 2^32 half the time, so the hi lane of a 64-bit entry is exercised
  const mfn = (): number =>
    (c.width === 64 && rng.chance(0.5) ? 2 ** 32 : 0) + 0x100000 + rng.int(0x3fffffff - 0x100000);
  const ramPfn = (): number => pick(rng, cls.ram, nRam);
  const anyPfn = (): number => {
    const r = rng.float();
    if (r < 0.8 || (nIdent === 0 && nMissing === 0)) return ramPfn();
    if ((r < 0.9 && nIdent > 0) || nMissing === 0) return pick(rng, cls.ident, nIdent);
    return pick(rng, cls.missing, nMissing);
  };
  const rewrite = (): void => {
    const pfn = ramPfn();
    b.set(pfn, rng.chance(0.1) ? mfn() + enc.FOREIGN : mfn()); // grant mappings write FOREIGN_FRAME(mfn)
  };
  switch (c.load) {
    case 'seq': {
      // sequential scans of 4096 pfns from 0, from the first identity pfn, the first missing
      // pfn and the middle: dense RAM, identity and missing ranges
      const starts = [
        0,
        cls.ident[0]?.[0] ?? Math.floor(layout.span / 4),
        cls.missing[0]?.[0] ?? Math.floor((3 * layout.span) / 4),
        Math.floor(layout.span / 2),
      ];
      for (const s0 of starts) for (let i = 0; i < LOOKUPS / 4; i++) b.lookup(Math.min(s0 + i, layout.span - 1));
      for (let i = 0; i < SETS; i++) rewrite();
      break;
    }
    case 'random': {
      // 80 % RAM, 10 % identity, 10 % missing where the layout has them
      for (let i = 0; i < LOOKUPS; i++) b.lookup(anyPfn());
      for (let i = 0; i < SETS; i++) {
        const r = rng.float();
        if (r < 0.7) rewrite();
        else if (r < 0.85)
          b.set(ramPfn(), enc.INVALID); // balloon out
        else if (r < 0.88 && nMissing > 0) {
          const p = pick(rng, cls.missing, nMissing);
          b.set(p, p + enc.IDENTITY); // an identity range at runtime: the tree flips the whole leaf
        } else if (nMissing > 0)
          b.set(pick(rng, cls.missing, nMissing), mfn()); // populate a hole: may install pages
        else rewrite();
        if (i % 8 === 0) b.lookup(b.pfns[b.pfns.length - 1]!);
      }
      break;
    }
    case 'stride': {
      // one lookup per leaf page: no locality at all
      const leaves = Math.ceil(layout.span / enc.perPage);
      const off = rng.int(enc.perPage);
      const step = Math.max(1, Math.floor(leaves / LOOKUPS));
      for (let i = 0; i < LOOKUPS; i++) b.lookup(Math.min(((i * step) % leaves) * enc.perPage + off, layout.span - 1));
      for (let i = 0; i < SETS; i++) rewrite();
      break;
    }
    case 'balloon': {
      // churn: decrease a batch (write INVALID), then increase: half back into the ballooned
      // pfns, half into never-touched pfns of the extra memory above the initial allocation
      const batch = 128;
      for (let round = 0; round < SETS / (2 * batch); round++) {
        const out: number[] = [];
        for (let i = 0; i < batch; i++) {
          const pfn = ramPfn();
          out.push(pfn);
          b.set(pfn, enc.INVALID);
        }
        for (let i = 0; i < batch; i++) {
          const pfn = i % 2 === 0 || nGrow === 0 ? out[i]! : pick(rng, grow, nGrow);
          b.set(pfn, mfn());
          b.lookup(pfn);
        }
      }
      for (let i = b.ops.length; i < LOOKUPS + SETS; i++) b.lookup(anyPfn());
      break;
    }
    case 'migrate': {
      // what the guest does during a live migration: mostly entry rewrites, and the balloon
      // populating pfns it never used (first touches: structural where the p2m shares a page)
      for (let i = 0; i < SETS; i++) {
        if (rng.chance(0.05) && nGrow > 0) b.set(pick(rng, grow, nGrow), mfn());
        else rewrite();
        b.lookup(anyPfn());
      }
      for (let i = b.ops.length; i < LOOKUPS + SETS; i++) b.lookup(anyPfn());
      break;
    }
    case 'driver': {
      // a driver domain's backend: grant maps and unmaps, and XENMEM_exchange (driver.ts)
      driverDomain(b, rng, enc, cls.ram, cls.extra, mfn);
      for (let i = b.ops.length; i < LOOKUPS + SETS; i++) b.lookup(anyPfn());
      break;
    }
    case 'hotadd': {
      // memory hot-add above maxmem: a section invalidated in one burst, then populated (hotadd.ts)
      for (let i = 0; i < SETS / 4; i++) rewrite(); // the guest runs on meanwhile
      hotAdd(b, rng, enc, layout.span, mfn);
      for (let i = 0; i < LOOKUPS; i++) b.lookup(anyPfn());
      break;
    }
  }
  return {
    width: c.width,
    gib: c.gib,
    layoutName: c.layout,
    layout,
    kind: c.load,
    ops: Uint8Array.from(b.ops),
    pfns: Float64Array.from(b.pfns),
    values: Float64Array.from(b.values),
  };
}

export function toRows(load: P2mLoad): LoadRow[] {
  const rows: LoadRow[] = [];
  for (let i = 0; i < load.ops.length; i++) {
    rows.push({ op: load.ops[i] === OP_SET ? 'set' : 'lookup', pfn: load.pfns[i]!, value: load.values[i]! });
  }
  return rows;
}

export function fromRows(rows: ReadonlyArray<Readonly<Record<string, string>>>, params: Params): P2mLoad {
  const c = caseParams(params);
  const n = rows.length;
  const ops = new Uint8Array(n);
  const pfns = new Float64Array(n);
  const values = new Float64Array(n);
  rows.forEach((r, i) => {
    const op = r['op'];
    if (op !== 'set' && op !== 'lookup')
      throw new Error(`p2m load row ${i}: op must be 'set' or 'lookup', got '${op}'`);
    const pfn = Number(r['pfn']);
    const value = Number(r['value'] ?? 0);
    if (!Number.isSafeInteger(pfn) || pfn < 0) throw new Error(`p2m load row ${i}: bad pfn '${r['pfn']}'`);
    if (!Number.isSafeInteger(value) || value < 0) throw new Error(`p2m load row ${i}: bad value '${r['value']}'`);
    ops[i] = op === 'set' ? OP_SET : OP_LOOKUP;
    pfns[i] = pfn;
    values[i] = value;
  });
  return {
    width: c.width,
    gib: c.gib,
    layoutName: c.layout,
    layout: caseLayout(c),
    kind: c.load,
    ops,
    pfns,
    values,
  };
}

export const codec: LoadCodec<P2mLoad> = { name: 'p2m-ops', version: 1, generate, toRows, fromRows };

/** the lookup pfns of a load, in order (the timed lookup body) */
export function lookupPfns(load: P2mLoad): Float64Array {
  const out: number[] = [];
  for (let i = 0; i < load.ops.length; i++) if (load.ops[i] === OP_LOOKUP) out.push(load.pfns[i]!);
  return Float64Array.from(out);
}

/** the set operations of a load, in order (the timed set body) */
export function setOps(load: P2mLoad): { pfns: Float64Array; values: Float64Array } {
  const p: number[] = [];
  const v: number[] = [];
  for (let i = 0; i < load.ops.length; i++) {
    if (load.ops[i] === OP_SET) {
      p.push(load.pfns[i]!);
      v.push(load.values[i]!);
    }
  }
  return { pfns: Float64Array.from(p), values: Float64Array.from(v) };
}
