// The N-level event-channel ABI: the 2-level rules applied one level further per level, at
// any depth L >= 2 (xen-devel, "[RFC] Extend the number of event channels available to guests",
// Attilio Rao, September 2012; Jan Beulich's "variable depth" suggestion there; Wei Liu's
// 3-level series for Xen 4.3, never merged).
// Capacity W^L: 64^3 = 262144, 32^3 = 32768.
//
// Layout: leaf PENDING/MASK bitmaps shared by the domain; per vCPU one selector tree of
// L-1 levels (level 0 is vcpu_info.evtchn_pending_sel, level k has W^k words, bit b of word
// n at level k covers child n*W+b one level down).
// Hypervisor: sets bottom-up (PENDING, then each selector from the leaf's parent up to level
// 0, then upcall_pending), stopping at the first bit already set — the 2L edge rule per level.
// Guest: clear-before-scan at every level (a selector word is xchg'd to 0 before the level
// below it is read), and Linux's resume cursor generalised: the scan runs in cyclic port
// order from the per-vCPU cursor. Pass 1 covers the cursor's path and everything after it;
// pass 2 covers everything before it and revisits the cursor's leaf word in full. On the
// cursor's path each selector is xchg'd once, and the bits at or below the cursor's digit
// are kept for pass 2 — exactly as Linux keeps the start word in `pending_words` and visits
// it twice (torvalds/linux drivers/xen/events/events_2l.c). At L = 2 this is that scan.
// The VIRQ_TIMER pre-check of the 2-level scan is kept, as a 3-level Linux would have kept it.
// Memory is counted as the guest provides it (the RFC: "Just let the guest specify this"):
// leaf PENDING and MASK bitmaps in whole pages for the ports used, beyond depth 2.
// This is the counted model (the gate's and the counters'); nlevel-timed.ts is its timed twin.
import {
  checkConfig,
  portRangeError,
  StateCopy,
  WORK_BYTES_READ,
  WORK_DELIVERED,
  WORK_GUEST_LOCKED,
  WORK_LOOPS,
  WORK_SEND_RMW,
  WORK_SLOTS,
  WORK_TIMER_FIRST,
  WORK_UNMASK_HYPERCALLS,
  WORK_UPCALLS,
  WORK_WORDS_READ,
  WORK_XCHG,
  type EventHandler,
  type EvtchnConfig,
  type EvtchnModel,
  type ExtensionNeeds,
} from './abi.js';
import { ffsFrom, wordShift } from './bits.js';

export const name = 'N-level';
export const family = 'bitmap';

/** the tree has the depth the guest asked for */
export function levels(config: Pick<EvtchnConfig, 'depth'>): number {
  return config.depth;
}

/** Largest tree this model allocates (bitmaps are dense). */
export const MAX_NLEVEL_CAPACITY = 1 << 24;

/** W^L ports */
export function capacity(config: Pick<EvtchnConfig, 'wordBits' | 'depth'>): number {
  return config.wordBits ** config.depth;
}

export function create(config: EvtchnConfig): NLevel {
  return new NLevel(config);
}

/** bits in one 4 KiB page of a leaf bitmap */
const BITS_PER_PAGE = 4096 * 8;

const NORMAL = 0;
/** first visit of a node on the cursor's path: bits >= the cursor's digit */
export const START = 1;
/** second visit of a node on the cursor's path: the kept bits <= the cursor's digit */
export const REVISIT = 2;

export class NLevel implements EvtchnModel {
  readonly capacity: number;
  readonly vcpus: number;
  readonly work = new Float64Array(WORK_SLOTS);

  protected readonly W: number;
  protected readonly shift: number;
  protected readonly depth: number;
  protected readonly lanes: number;
  protected readonly mapLanes: number;
  protected readonly pending: Uint32Array;
  protected readonly maskBits: Uint32Array;
  /** all selector levels of all vCPUs; level k of vCPU v starts at selBase[v * (depth - 1) + k] */
  protected readonly sel: Uint32Array;
  protected readonly selBase: Int32Array;
  /** a port's child index at selector level k is port >>> levelShift[k]; k = depth - 1 gives the port */
  protected readonly levelShift: Int32Array;
  protected readonly upcallPending: Uint8Array;
  protected readonly notifyVcpu: Int32Array;
  protected readonly cpuMask: Uint32Array;
  protected readonly cursor: Int32Array;
  /** selector bits kept between pass 1 and pass 2, two lanes per level */
  protected readonly keep: Int32Array;
  /** the cursor when the current handle_events started */
  protected startPort = 0;
  protected readonly timerPort: Int32Array;
  /** bytes of one leaf bitmap as the guest provides it */
  protected readonly leafBytes: number;
  protected readonly state: StateCopy;

  constructor(config: EvtchnConfig) {
    if (!Number.isInteger(config.depth) || config.depth < 2) {
      throw new RangeError(`N-level: depth must be an integer >= 2, got ${config.depth}`);
    }
    this.W = config.wordBits;
    this.depth = config.depth;
    this.capacity = capacity(config);
    if (this.capacity > MAX_NLEVEL_CAPACITY) {
      throw new RangeError(
        `N-level: ${this.W}^${this.depth} = ${this.capacity} ports exceeds the model's limit of ${MAX_NLEVEL_CAPACITY}`,
      );
    }
    checkConfig(`N-level (depth ${this.depth})`, config, this.capacity);
    this.vcpus = config.vcpus;
    this.shift = wordShift(config.wordBits);
    this.lanes = this.W >>> 5;
    this.mapLanes = this.capacity >>> 5;
    this.pending = new Uint32Array(this.mapLanes);
    this.maskBits = new Uint32Array(this.mapLanes);
    const inner = this.depth - 1;
    this.selBase = new Int32Array(this.vcpus * inner);
    this.levelShift = new Int32Array(this.depth);
    let total = 0;
    for (let k = 0; k < inner; k++) {
      const lanesPerVcpu = Math.max(1, this.W ** (k + 1) / 32);
      for (let v = 0; v < this.vcpus; v++) this.selBase[v * inner + k] = total + v * lanesPerVcpu;
      total += lanesPerVcpu * this.vcpus;
    }
    for (let k = 0; k < this.depth; k++) this.levelShift[k] = this.shift * (inner - k);
    this.sel = new Uint32Array(total);
    this.upcallPending = new Uint8Array(this.vcpus);
    this.notifyVcpu = new Int32Array(this.capacity);
    this.cpuMask = new Uint32Array(this.vcpus * this.mapLanes);
    this.cpuMask.fill(0xffffffff, 0, this.mapLanes);
    this.cursor = new Int32Array(this.vcpus);
    this.keep = new Int32Array(2 * (this.depth - 1));
    this.timerPort = new Int32Array(this.vcpus);
    // depth 2 lives in shared_info; deeper leaves are pages the guest registers
    this.leafBytes =
      this.depth === 2 ? this.capacity >>> 3 : Math.ceil(config.ports / BITS_PER_PAGE) * (BITS_PER_PAGE >>> 3);
    this.state = new StateCopy(
      [this.pending, this.maskBits, this.sel, this.upcallPending, this.cursor],
      [this.notifyVcpu, this.cpuMask, this.timerPort],
    );
  }

  saveState(): void {
    this.state.save();
  }

  restoreState(): void {
    this.state.restore();
  }

  setPriority(_port: number, _priority: number): void {
    // no priorities in a bitmap tree
  }

  bindTimer(port: number, vcpu: number): void {
    this.bind(port, vcpu);
    this.timerPort[vcpu] = port;
  }

  close(port: number): void {
    this.check(port);
    this.pending[port >>> 5]! &= ~(1 << (port & 31));
    this.bind(port, 0);
  }

  // the 3-level series (v4 on) registers in two phases: the leaf bitmaps in one hypercall,
  // then each vCPU's L2 selector (a frame and an offset) in one more per vCPU
  reregistration(): { hypercalls: number; pages: number } {
    if (this.depth === 2) return { hypercalls: 0, pages: 0 };
    const leafPages = this.leafBytes / (BITS_PER_PAGE >>> 3);
    return { hypercalls: 1 + this.vcpus, pages: 2 * leafPages + this.vcpus };
  }

  // leaf bitmaps and selectors are guest pages: once registered again, nothing is missing
  migrate(): number {
    return 0;
  }

  // the depth the guest registered; at depth 2 it is the 2-level ABI every host has
  needs(): ExtensionNeeds {
    return { levels: this.depth, fifoPorts: 0 };
  }

  privateBytesPerVcpu(): number {
    return this.leafBytes; // Linux's per-CPU mask of bound ports, one bit per port provided
  }

  private check(port: number): void {
    if (!(port > 0 && port < this.capacity)) throw portRangeError(`N-level (depth ${this.depth})`, port, this.capacity);
  }

  setPending(port: number): void {
    this.check(port);
    const li = port >>> 5;
    const m = 1 << (port & 31);
    this.work[WORK_SEND_RMW]!++;
    if ((this.pending[li]! & m) !== 0) return;
    this.pending[li]! |= m;
    if ((this.maskBits[li]! & m) !== 0) return;
    this.raise(this.notifyVcpu[port]!, port);
  }

  // bottom-up: the leaf's parent selector first, level 0 last, then upcall_pending
  private raise(v: number, port: number): void {
    const base = v * (this.depth - 1);
    for (let k = this.depth - 2; k >= 0; k--) {
      const g = port >>> this.levelShift[k]!;
      const idx = this.selBase[base + k]! + (g >>> 5);
      const m = 1 << (g & 31);
      this.work[WORK_SEND_RMW]!++;
      if ((this.sel[idx]! & m) !== 0) return;
      this.sel[idx]! |= m;
    }
    this.work[WORK_SEND_RMW]!++;
    this.upcallPending[v] = 1;
  }

  mask(port: number): void {
    this.check(port);
    this.work[WORK_GUEST_LOCKED]!++;
    this.maskBits[port >>> 5]! |= 1 << (port & 31);
  }

  // as the 2-level unmask: a hypercall only for a port bound to another CPU; locally the
  // guest clears the mask and, for a pending port, sets the selector path itself
  unmask(port: number, from = -1): void {
    this.check(port);
    if (from < 0 || this.notifyVcpu[port] !== from) this.work[WORK_UNMASK_HYPERCALLS]!++;
    else this.work[WORK_GUEST_LOCKED]! += (this.pending[port >>> 5]! & (1 << (port & 31))) !== 0 ? 2 : 1;
    const li = port >>> 5;
    const m = 1 << (port & 31);
    this.work[WORK_SEND_RMW]!++;
    if ((this.maskBits[li]! & m) === 0) return;
    this.maskBits[li]! &= ~m;
    if ((this.pending[li]! & m) === 0) return;
    this.raise(this.notifyVcpu[port]!, port);
  }

  bind(port: number, vcpu: number): void {
    this.check(port);
    if (!(vcpu >= 0 && vcpu < this.vcpus)) throw new RangeError(`N-level: no vCPU ${vcpu} (vcpus=${this.vcpus})`);
    this.state.touchBindings();
    const old = this.notifyVcpu[port]!;
    const li = port >>> 5;
    const m = 1 << (port & 31);
    this.cpuMask[old * this.mapLanes + li]! &= ~m;
    this.cpuMask[vcpu * this.mapLanes + li]! |= m;
    this.notifyVcpu[port] = vcpu;
  }

  isPending(port: number): boolean {
    this.check(port);
    return (this.pending[port >>> 5]! & (1 << (port & 31))) !== 0;
  }

  isMasked(port: number): boolean {
    this.check(port);
    return (this.maskBits[port >>> 5]! & (1 << (port & 31))) !== 0;
  }

  resetPending(): void {
    this.pending.fill(0);
    this.sel.fill(0);
    this.upcallPending.fill(0);
    this.cursor.fill(0);
  }

  sharedBytes(): number {
    return 2 * this.leafBytes; // PENDING + MASK
  }

  perVcpuBytes(): number {
    let bytes = 1; // upcall_pending
    for (let k = 0; k < this.depth - 1; k++) bytes += (this.W ** (k + 1)) >>> 3;
    return bytes;
  }

  upcall(v: number, handler: EventHandler): number {
    if (this.upcallPending[v] === 0) return 0;
    this.work[WORK_UPCALLS]!++;
    let delivered = 0;
    do {
      this.upcallPending[v] = 0;
      this.work[WORK_LOOPS]!++;
      const timer = this.timerPort[v]!;
      if (timer !== 0) delivered += this.timerFirst(v, timer, handler);
      this.startPort = this.cursor[v]!;
      delivered += this.visit(v, 0, 0, START, handler);
      if ((this.keep[0]! | this.keep[1]!) !== 0) delivered += this.visit(v, 0, 0, REVISIT, handler);
    } while (this.upcallPending[v] !== 0);
    this.work[WORK_DELIVERED]! += delivered;
    return delivered;
  }

  private timerFirst(v: number, port: number, handler: EventHandler): number {
    const li = port >>> 5;
    const m = 1 << (port & 31);
    this.work[WORK_WORDS_READ]! += 3;
    this.work[WORK_BYTES_READ]! += 3 * (this.W >>> 3);
    if ((this.pending[li]! & this.cpuMask[v * this.mapLanes + li]! & ~this.maskBits[li]! & m) === 0) return 0;
    this.pending[li]! &= ~m;
    this.work[WORK_GUEST_LOCKED]!++;
    this.work[WORK_TIMER_FIRST]!++;
    handler.handle(v, port);
    return 1;
  }

  /** One visit of selector word `node` at level `k` of vCPU v's tree. */
  protected visit(v: number, k: number, node: number, mode: number, handler: EventHandler): number {
    const W = this.W;
    const lanes = this.lanes;
    let a0: number;
    let a1: number;
    if (mode === REVISIT) {
      a0 = this.keep[2 * k]!;
      a1 = this.keep[2 * k + 1]!;
    } else {
      const base = this.selBase[v * (this.depth - 1) + k]! + node * lanes;
      a0 = this.sel[base]! | 0; // xchg(selector, 0): clear before the level below is read
      this.sel[base] = 0;
      a1 = 0;
      if (lanes === 2) {
        a1 = this.sel[base + 1]! | 0;
        this.sel[base + 1] = 0;
      }
      this.countSelectorXchg();
    }
    const digit = (this.startPort >>> this.levelShift[k]!) & (W - 1);
    let from = 0;
    if (mode === START) {
      // keep bits 0..digit for pass 2
      const n = digit + 1;
      const lo = n >= 32 ? -1 : (1 << n) - 1;
      const hi = n <= 32 ? 0 : n >= 64 ? -1 : (1 << (n - 32)) - 1;
      this.keep[2 * k] = a0 & lo;
      this.keep[2 * k + 1] = a1 & hi;
      from = digit;
    }
    const leafParent = k === this.depth - 2;
    let delivered = 0;
    let b = ffsFrom(a0, a1, from);
    while (b >= 0) {
      const childMode = mode !== NORMAL && b === digit ? mode : NORMAL;
      const child = node * W + b;
      if (leafParent) {
        const fromBit = childMode === START ? this.startPort & (W - 1) : 0;
        delivered += this.scanLeaf(v, child, fromBit, handler);
      } else {
        delivered += this.visit(v, k + 1, child, childMode, handler);
      }
      if (b === W - 1) break;
      b = ffsFrom(a0, a1, b + 1);
    }
    return delivered;
  }

  /** the counters of one selector xchg (the timed model, nlevel-timed.ts, counts nothing) */
  protected countSelectorXchg(): void {
    this.work[WORK_XCHG]!++;
    this.work[WORK_GUEST_LOCKED]!++;
    this.work[WORK_BYTES_READ]! += this.W >>> 3;
  }

  /** One snapshot of a leaf word (active_evtchns), handled from `fromBit` upward. */
  protected scanLeaf(v: number, word: number, fromBit: number, handler: EventHandler): number {
    const lanes = this.lanes;
    const li = word * lanes;
    const cpuBase = v * this.mapLanes;
    const pb0 = this.pending[li]! & this.cpuMask[cpuBase + li]! & ~this.maskBits[li]!;
    let pb1 = 0;
    if (lanes === 2) pb1 = this.pending[li + 1]! & this.cpuMask[cpuBase + li + 1]! & ~this.maskBits[li + 1]!;
    this.work[WORK_WORDS_READ]! += 3;
    this.work[WORK_BYTES_READ]! += 3 * (this.W >>> 3);
    const W = this.W;
    const last = this.capacity - 1;
    let delivered = 0;
    let b = ffsFrom(pb0, pb1, fromBit);
    while (b >= 0) {
      const port = word * W + b;
      this.pending[port >>> 5]! &= ~(1 << (port & 31));
      this.work[WORK_GUEST_LOCKED]!++;
      delivered++;
      handler.handle(v, port);
      this.cursor[v] = (port + 1) & last;
      if (b === W - 1) break;
      b = ffsFrom(pb0, pb1, b + 1);
    }
    return delivered;
  }
}
