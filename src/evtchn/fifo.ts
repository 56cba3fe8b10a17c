// The FIFO-based event-channel ABI (David Vrabel; Xen 4.4 / Linux 3.14).
//   Hypervisor: xen-project/xen xen/common/event_fifo.c (evtchn_fifo_set_pending with the
//               old-queue tail invalidation and "READY only for new heads", _unmask).
//   Guest:      torvalds/linux drivers/xen/events/events_fifo.c (evtchn_fifo_handle_events,
//               consume_one_event with the local head copy and clear_linked).
// Shared memory: one 32-bit event word per port (P M L B | LINK), pages of 1024 words, and
// a 72-byte control block per vCPU (READY, HEAD[16]). Xen keeps each queue's tail privately.
// The model is sequential (one operation at a time), so BUSY never has to be set and the
// queue locks are implicit. Every port stays at the default priority 7, as Linux leaves all
// but its timer VIRQs (the loads have no timer); the 16 queues are there all the same.
import {
  checkConfig,
  portRangeError,
  WORK_DELIVERED,
  WORK_LOOPS,
  WORK_SEND_RMW,
  WORK_SLOTS,
  WORK_UPCALLS,
  WORK_WORDS_READ,
  WORK_XCHG,
  type EventHandler,
  type EvtchnConfig,
  type EvtchnPortOps,
} from './abi.js';

export const name = 'fifo';
export const family = 'fifo';

export const EVTCHN_FIFO_NR_CHANNELS = 1 << 17;
export const EVTCHN_FIFO_MAX_QUEUES = 16;
export const EVTCHN_FIFO_PRIORITY_DEFAULT = 7;
const EVENT_WORDS_PER_PAGE = 1024;
const CONTROL_BLOCK_BYTES = 72;

const PENDING = 1 << 31;
const MASKED = 1 << 30;
const LINKED = 1 << 29;
const BUSY = 1 << 28;
const LINK_MASK = (1 << 17) - 1;

export function capacity(_config?: unknown): number {
  return EVTCHN_FIFO_NR_CHANNELS;
}

export function create(config: EvtchnConfig): EvtchnPortOps {
  return new Fifo(config);
}

export class Fifo implements EvtchnPortOps {
  readonly capacity = EVTCHN_FIFO_NR_CHANNELS;
  readonly vcpus: number;
  readonly work = new Float64Array(WORK_SLOTS);

  private readonly pages: number;
  /** the event array, shared by the domain */
  private readonly event: Uint32Array;
  // control block per vCPU
  private readonly ready: Uint32Array;
  private readonly head: Uint32Array;
  private readonly upcallPending: Uint8Array;
  // Xen-private: struct evtchn_fifo_queue.tail per (vCPU, priority); per channel
  // priority, notify_vcpu_id and fifo_lastq (the queue it was last linked on)
  private readonly tail: Int32Array;
  private readonly priority: Uint8Array;
  private readonly notifyVcpu: Int32Array;
  private readonly lastQueue: Int32Array;
  // Linux-private: cpu_queue.head, the guest's local copy of each queue's head
  private readonly localHead: Int32Array;

  constructor(config: EvtchnConfig) {
    checkConfig('fifo', config, this.capacity);
    this.vcpus = config.vcpus;
    this.pages = Math.ceil(config.ports / EVENT_WORDS_PER_PAGE);
    const words = this.pages * EVENT_WORDS_PER_PAGE;
    this.event = new Uint32Array(words);
    this.ready = new Uint32Array(this.vcpus);
    this.head = new Uint32Array(this.vcpus * EVTCHN_FIFO_MAX_QUEUES);
    this.upcallPending = new Uint8Array(this.vcpus);
    this.tail = new Int32Array(this.vcpus * EVTCHN_FIFO_MAX_QUEUES);
    this.priority = new Uint8Array(words).fill(EVTCHN_FIFO_PRIORITY_DEFAULT);
    this.notifyVcpu = new Int32Array(words);
    this.lastQueue = new Int32Array(words);
    this.localHead = new Int32Array(this.vcpus * EVTCHN_FIFO_MAX_QUEUES);
  }

  private check(port: number): void {
    if (!(port > 0 && port < this.capacity)) throw portRangeError('fifo', port, this.capacity);
    if (port >= this.event.length) {
      throw new RangeError(
        `fifo: port ${port} has no event word: the event array has ${this.pages} pages (${this.event.length} ports); capacity is ${this.capacity} ports`,
      );
    }
  }

  setPending(port: number): void {
    this.check(port);
    this.link(this.notifyVcpu[port]!, port);
  }

  // evtchn_fifo_set_pending: P, then (if unmasked and not yet LINKED) link at the tail of
  // the vCPU's queue for the port's priority; READY and the upcall only for a new HEAD
  private link(v: number, port: number): void {
    const prio = this.priority[port]!;
    const q = v * EVTCHN_FIFO_MAX_QUEUES + prio;
    let w = this.event[port]! | PENDING;
    this.event[port] = w;
    this.work[WORK_SEND_RMW]!++;
    if ((w & MASKED) !== 0) return;
    this.work[WORK_SEND_RMW]!++;
    if ((w & LINKED) !== 0) return; // already queued: coalesced, no reorder
    w |= LINKED;
    this.event[port] = w;
    // "don't corrupt queues if an old tail is linked" (e33d4257fc)
    const oldQ = this.lastQueue[port]!;
    if (this.tail[oldQ] === port) this.tail[oldQ] = 0;
    this.lastQueue[port] = q;
    let linked = false;
    const t = this.tail[q]!;
    if (t !== 0) {
      const tw = this.event[t]!;
      this.work[WORK_SEND_RMW]!++;
      if ((tw & LINKED) !== 0) {
        // cmpxchg on the tail word: the guest has not consumed it yet
        this.event[t] = (tw & ~(BUSY | LINK_MASK)) | port;
        linked = true;
      }
    }
    if (!linked) this.head[q] = port;
    this.tail[q] = port;
    if (linked) return;
    const bit = 1 << prio;
    this.work[WORK_SEND_RMW]!++;
    if ((this.ready[v]! & bit) !== 0) return;
    this.ready[v]! |= bit;
    this.work[WORK_SEND_RMW]!++;
    this.upcallPending[v] = 1;
  }

  mask(port: number): void {
    this.check(port);
    this.event[port]! |= MASKED;
  }

  // evtchn_fifo_unmask: clear MASKED, and link the port if it is pending
  unmask(port: number): void {
    this.check(port);
    const w = this.event[port]! & ~MASKED;
    this.event[port] = w;
    this.work[WORK_SEND_RMW]!++;
    if ((w & PENDING) !== 0) this.link(this.notifyVcpu[port]!, port);
  }

  // only future links go to the new vCPU's queues (Linux's FIFO bind_to_cpu does nothing)
  bind(port: number, vcpu: number): void {
    this.check(port);
    if (!(vcpu >= 0 && vcpu < this.vcpus)) throw new RangeError(`fifo: no vCPU ${vcpu} (vcpus=${this.vcpus})`);
    this.notifyVcpu[port] = vcpu;
  }

  isPending(port: number): boolean {
    this.check(port);
    return (this.event[port]! & PENDING) !== 0;
  }

  isMasked(port: number): boolean {
    this.check(port);
    return (this.event[port]! & MASKED) !== 0;
  }

  resetPending(): void {
    const ev = this.event;
    for (let i = 0; i < ev.length; i++) ev[i] = ev[i]! & MASKED;
    this.ready.fill(0);
    this.head.fill(0);
    this.upcallPending.fill(0);
    this.tail.fill(0);
    this.localHead.fill(0);
  }

  sharedBytes(): number {
    return this.pages * EVENT_WORDS_PER_PAGE * 4;
  }

  perVcpuBytes(): number {
    return CONTROL_BLOCK_BYTES + 1; // control block + evtchn_upcall_pending
  }

  upcall(v: number, handler: EventHandler): number {
    if (this.upcallPending[v] === 0) return 0;
    this.work[WORK_UPCALLS]!++;
    let delivered = 0;
    do {
      this.upcallPending[v] = 0;
      this.work[WORK_LOOPS]!++;
      delivered += this.handleEvents(v, handler);
    } while (this.upcallPending[v] !== 0);
    this.work[WORK_DELIVERED]! += delivered;
    return delivered;
  }

  // evtchn_fifo_handle_events: highest priority first, READY re-polled after every event
  private handleEvents(v: number, handler: EventHandler): number {
    let ready = this.ready[v]! | 0;
    this.ready[v] = 0;
    this.work[WORK_XCHG]!++;
    let delivered = 0;
    while (ready !== 0) {
      const prio = 31 - Math.clz32(ready & -ready);
      const qi = v * EVTCHN_FIFO_MAX_QUEUES + prio;
      // consume_one_event
      let head = this.localHead[qi]!;
      if (head === 0) {
        head = this.head[qi]!; // "Reached the tail last time?"
        this.work[WORK_WORDS_READ]!++;
      }
      const port = head;
      const w = this.event[port]!; // clear_linked: clear L and LINK, return old LINK
      this.event[port] = w & ~(LINKED | LINK_MASK);
      head = w & LINK_MASK;
      if (head === 0) ready &= ~(1 << prio);
      const now = this.event[port]!;
      this.work[WORK_WORDS_READ]! += 3;
      if ((now & PENDING) !== 0 && (now & MASKED) === 0) {
        this.event[port] = now & ~PENDING; // ack before the driver runs
        delivered++;
        handler.handle(v, port);
      }
      this.localHead[qi] = head;
      ready |= this.ready[v]!;
      this.ready[v] = 0;
      this.work[WORK_XCHG]!++;
    }
    return delivered;
  }
}
