// Reference model of the bitmap ABIs (2-level, and N-level at any depth): deliberately plain
// — one boolean per port and per selector bit, arrays of indices, no bit tricks — so that it
// can be read against the rules below line by line (Xen xen/common/event_2l.c, Linux
// drivers/xen/events/events_2l.c). The fast
// models must produce the same observation: which ports each vCPU's handler saw, in order.
//
// The rules it encodes:
// - send: a pending port coalesces; a masked port only becomes pending (the edge is lost);
//   otherwise the selector bits on the path to the port are set bottom-up, stopping at the
//   first one already set, and upcall_pending is raised if every one of them was clear.
// - unmask re-raises a pending port the same way, only if it was masked.
// - bind moves future notifications (Xen notify_vcpu_id) and the guest's per-CPU mask.
// - upcall: while upcall_pending, clear it, deliver the vCPU's timer port first if it is
//   deliverable (pending, unmasked, bound here), and run one scan.
// - close: the port is no longer pending, and notifies vCPU 0 when it is used again.
// - scan: Linux's cursor scan (events_2l.c). Each selector word is read-and-cleared once,
//   when the scan reaches it; each visit of a leaf word takes one snapshot of its deliverable
//   ports (pending, unmasked, bound here) and hands them over in order, acking each first.
//   Order: pass 1 from the cursor to the end, pass 2 from the beginning back to the
//   cursor's leaf word inclusive, which is read again in full. Selector bits on the cursor's
//   path at or below the cursor are kept from pass 1 for pass 2.
import {
  checkConfig,
  portRangeError,
  WORK_SLOTS,
  type EventHandler,
  type EvtchnConfig,
  type EvtchnStreamOps,
} from './abi.js';

type Mode = 'normal' | 'start' | 'revisit';

export class BitmapReference implements EvtchnStreamOps {
  readonly capacity: number;
  readonly vcpus: number;
  readonly work = new Float64Array(WORK_SLOTS);
  private readonly W: number;
  private readonly depth: number;
  private readonly pending: boolean[] = [];
  private readonly masked: boolean[] = [];
  private readonly boundTo: number[] = [];
  /** selector[v][k][i]: at level k, the bit that covers child i of level k + 1 */
  private readonly selector: boolean[][][] = [];
  private readonly upcallPending: boolean[] = [];
  private readonly cursor: number[] = [];
  private readonly kept: number[][] = [];
  private readonly timer: number[] = [];
  private start = 0;

  constructor(config: EvtchnConfig) {
    this.W = config.wordBits;
    this.depth = config.depth;
    this.capacity = this.W ** this.depth;
    checkConfig('reference', config, this.capacity);
    this.vcpus = config.vcpus;
    for (let p = 0; p < this.capacity; p++) {
      this.pending.push(false);
      this.masked.push(false);
      this.boundTo.push(0);
    }
    for (let v = 0; v < this.vcpus; v++) {
      const levels: boolean[][] = [];
      for (let k = 0; k < this.depth - 1; k++) levels.push(new Array<boolean>(this.W ** (k + 1)).fill(false));
      this.selector.push(levels);
      this.upcallPending.push(false);
      this.cursor.push(0);
      this.timer.push(0);
    }
    for (let k = 0; k < this.depth - 1; k++) this.kept.push([]);
  }

  private check(port: number): void {
    if (!(port > 0 && port < this.capacity)) throw portRangeError('reference', port, this.capacity);
  }

  /** the child index that selector level k uses for this port */
  private childAt(k: number, port: number): number {
    return Math.floor(port / this.W ** (this.depth - 1 - k));
  }

  private raise(port: number): void {
    const v = this.boundTo[port]!;
    for (let k = this.depth - 2; k >= 0; k--) {
      const i = this.childAt(k, port);
      if (this.selector[v]![k]![i]) return;
      this.selector[v]![k]![i] = true;
    }
    this.upcallPending[v] = true;
  }

  setPending(port: number): void {
    this.check(port);
    if (this.pending[port]) return;
    this.pending[port] = true;
    if (this.masked[port]) return;
    this.raise(port);
  }

  mask(port: number): void {
    this.check(port);
    this.masked[port] = true;
  }

  unmask(port: number): void {
    this.check(port);
    if (!this.masked[port]) return;
    this.masked[port] = false;
    if (this.pending[port]) this.raise(port);
  }

  bind(port: number, vcpu: number): void {
    this.check(port);
    this.boundTo[port] = vcpu;
  }

  setPriority(): void {}

  bindTimer(port: number, vcpu: number): void {
    this.bind(port, vcpu);
    this.timer[vcpu] = port;
  }

  close(port: number): void {
    this.check(port);
    this.pending[port] = false;
    this.boundTo[port] = 0;
  }

  isPending(port: number): boolean {
    return this.pending[port]!;
  }

  isMasked(port: number): boolean {
    return this.masked[port]!;
  }

  resetPending(): void {
    this.pending.fill(false);
    for (const levels of this.selector) for (const level of levels) level.fill(false);
    this.upcallPending.fill(false);
    this.cursor.fill(0);
  }

  sharedBytes(): number {
    return (2 * this.capacity) / 8;
  }

  perVcpuBytes(): number {
    let bits = 0;
    for (let k = 0; k < this.depth - 1; k++) bits += this.W ** (k + 1);
    return bits / 8 + 1;
  }

  upcall(v: number, handler: EventHandler): number {
    if (!this.upcallPending[v]) return 0;
    let delivered = 0;
    while (this.upcallPending[v]) {
      this.upcallPending[v] = false;
      const t = this.timer[v]!;
      if (t !== 0 && this.pending[t] && !this.masked[t] && this.boundTo[t] === v) {
        this.pending[t] = false;
        delivered++;
        handler.handle(v, t);
      }
      this.start = this.cursor[v]!;
      delivered += this.visit(v, 0, 0, 'start', handler);
      delivered += this.visit(v, 0, 0, 'revisit', handler);
    }
    return delivered;
  }

  /** the cursor's digit at level k (at k = depth - 1: its bit within the leaf word) */
  private digit(k: number): number {
    return this.childAt(k, this.start) % this.W;
  }

  private visit(v: number, k: number, node: number, mode: Mode, handler: EventHandler): number {
    let bits: number[] = [];
    if (mode === 'revisit') {
      bits = this.kept[k]!;
    } else {
      for (let b = 0; b < this.W; b++) {
        if (this.selector[v]![k]![node * this.W + b]) {
          bits.push(b);
          this.selector[v]![k]![node * this.W + b] = false;
        }
      }
    }
    const d = this.digit(k);
    if (mode === 'start') {
      this.kept[k] = bits.filter((b) => b <= d);
      bits = bits.filter((b) => b >= d);
    }
    let delivered = 0;
    for (const b of bits) {
      const childMode: Mode = mode !== 'normal' && b === d ? mode : 'normal';
      const child = node * this.W + b;
      if (k === this.depth - 2) {
        delivered += this.visitLeaf(v, child, childMode === 'start' ? this.digit(this.depth - 1) : 0, handler);
      } else {
        delivered += this.visit(v, k + 1, child, childMode, handler);
      }
    }
    return delivered;
  }

  private visitLeaf(v: number, word: number, fromBit: number, handler: EventHandler): number {
    const ports: number[] = [];
    for (let b = fromBit; b < this.W; b++) {
      const p = word * this.W + b;
      if (this.pending[p] && !this.masked[p] && this.boundTo[p] === v) ports.push(p);
    }
    for (const p of ports) {
      this.pending[p] = false;
      handler.handle(v, p);
      this.cursor[v] = (p + 1) % this.capacity;
    }
    return ports.length;
  }
}
