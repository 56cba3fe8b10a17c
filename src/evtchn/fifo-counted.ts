// The FIFO-based event-channel ABI (David Vrabel; Xen 4.4 / Linux 3.14).
//   Hypervisor: xen-project/xen xen/common/event_fifo.c (evtchn_fifo_set_pending with the
//               old-queue tail invalidation and "READY only for new heads", _unmask).
//   Guest:      torvalds/linux drivers/xen/events/events_fifo.c (evtchn_fifo_handle_events,
//               consume_one_event with the local head copy and clear_linked).
// Shared memory: one 32-bit event word per port (P M L B | LINK), pages of 1024 words, and
// a 72-byte control block per vCPU (READY, HEAD[16]) in a page Linux allocates whole
// (evtchn_fifo_alloc_control_block). Xen keeps each queue's tail privately.
// The model is sequential (one operation at a time), so BUSY never has to be set; the queue
// locks Xen takes on every set_pending are counted, not taken. Ports are at the default
// priority 7 until EVTCHNOP_set_priority moves them (Linux moves only its timer VIRQs, to 0).
// This is the counted model (the gate's and the counters'); fifo-timed.ts is its timed twin.
import {
  checkConfig,
  portRangeError,
  StateCopy,
  WORK_BYTES_READ,
  WORK_DELIVERED,
  WORK_GUEST_LOCKED,
  WORK_LOOPS,
  WORK_QUEUE_LOCKS,
  WORK_SEND_RMW,
  WORK_SLOTS,
  WORK_UNMASK_HYPERCALLS,
  WORK_UPCALLS,
  WORK_WORDS_READ,
  WORK_XCHG,
  type EventHandler,
  type EvtchnConfig,
  type EvtchnModel,
  type ExtensionNeeds,
} from './abi.js';

export const name = 'fifo';
export const family = 'fifo';

export const EVTCHN_FIFO_NR_CHANNELS = 1 << 17;
export const EVTCHN_FIFO_MAX_QUEUES = 16;
export const EVTCHN_FIFO_PRIORITY_DEFAULT = 7;
const EVENT_WORDS_PER_PAGE = 1024;
/** Linux allocates one page per CPU for its 72-byte control block */
const CONTROL_BLOCK_PAGE_BYTES = 4096;

// the event word's bits (xen/include/public/event_channel.h: EVTCHN_FIFO_PENDING, ...)
export const PENDING = 1 << 31;
export const MASKED = 1 << 30;
export const LINKED = 1 << 29;
export const BUSY = 1 << 28;
export const LINK_MASK = (1 << 17) - 1;

export function capacity(_config?: unknown): number {
  return EVTCHN_FIFO_NR_CHANNELS;
}

export function create(config: EvtchnConfig): Fifo {
  return new Fifo(config);
}

export class Fifo implements EvtchnModel {
  readonly capacity = EVTCHN_FIFO_NR_CHANNELS;
  readonly vcpus: number;
  readonly work = new Float64Array(WORK_SLOTS);

  protected readonly pages: number;
  /** the event array, shared by the domain */
  protected readonly event: Uint32Array;
  // control block per vCPU
  protected readonly ready: Uint32Array;
  protected readonly head: Uint32Array;
  protected readonly upcallPending: Uint8Array;
  // Xen-private: struct evtchn_fifo_queue.tail per (vCPU, priority); per channel
  // priority, notify_vcpu_id and fifo_lastq (the queue it was last linked on)
  protected readonly tail: Int32Array;
  protected readonly priority: Uint8Array;
  protected readonly notifyVcpu: Int32Array;
  protected readonly lastQueue: Int32Array;
  // Linux-private: cpu_queue.head, the guest's local copy of each queue's head
  protected readonly localHead: Int32Array;
  protected readonly state: StateCopy;

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
    // Xen starts every channel's last queue at vCPU 0, the default priority
    this.lastQueue = new Int32Array(words).fill(EVTCHN_FIFO_PRIORITY_DEFAULT);
    this.localHead = new Int32Array(this.vcpus * EVTCHN_FIFO_MAX_QUEUES);
    this.state = new StateCopy(
      [this.event, this.ready, this.head, this.upcallPending, this.tail, this.lastQueue, this.localHead],
      [this.priority, this.notifyVcpu],
    );
  }

  saveState(): void {
    this.state.save();
  }

  restoreState(): void {
    this.state.restore();
  }

  // evtchn_fifo_set_priority: only future links go to the new queue
  setPriority(port: number, priority: number): void {
    this.check(port);
    if (!(Number.isInteger(priority) && priority >= 0 && priority < EVTCHN_FIFO_MAX_QUEUES)) {
      throw new RangeError(`fifo: priority ${priority} is not in 0..${EVTCHN_FIFO_MAX_QUEUES - 1}`);
    }
    this.state.touchBindings();
    this.priority[port] = priority;
  }

  // no pre-check in evtchn_fifo_handle_events: the timer's priority (set apart) does it
  bindTimer(port: number, vcpu: number): void {
    this.bind(port, vcpu);
  }

  // evtchn_fifo_clear_pending ("the guest will unlink and ignore non-pending events"); a
  // reused port starts at the default priority on vCPU 0 (evtchn_fifo_init)
  close(port: number): void {
    this.check(port);
    this.event[port]! &= ~PENDING;
    this.state.touchBindings();
    this.priority[port] = EVTCHN_FIFO_PRIORITY_DEFAULT;
    this.notifyVcpu[port] = 0;
  }

  // Linux evtchn_fifo_resume: EVTCHNOP_init_control for each online CPU's control block,
  // then EVTCHNOP_expand_array for each event-array page as the ports are bound again
  reregistration(): { hypercalls: number; pages: number } {
    return { hypercalls: this.vcpus + this.pages, pages: this.vcpus + this.pages };
  }

  // Linux's init_control_block clears the control block (READY, HEAD) and the local heads;
  // the new Xen has no tails. A word still LINKED would never be linked again (Xen links
  // only a port whose LINKED is clear), so the guest clears LINKED and LINK everywhere and
  // raises again every port that is pending and unmasked, in port order.
  migrate(): number {
    this.ready.fill(0);
    this.head.fill(0);
    this.localHead.fill(0);
    this.tail.fill(0);
    this.lastQueue.fill(EVTCHN_FIFO_PRIORITY_DEFAULT);
    const ev = this.event;
    let raised = 0;
    for (let p = 1; p < ev.length; p++) {
      const w = ev[p]! & ~(LINKED | LINK_MASK);
      ev[p] = w;
      if ((w & PENDING) !== 0 && (w & MASKED) === 0) {
        raised++;
        this.link(this.notifyVcpu[p]!, p);
      }
    }
    return raised;
  }

  // EVTCHNOP_init_control, then an event array as large as the ports bound again
  needs(): ExtensionNeeds {
    return { levels: 2, fifoPorts: this.event.length };
  }

  privateBytesPerVcpu(): number {
    return EVTCHN_FIFO_MAX_QUEUES * 4; // Linux's per-CPU cpu_queue.head[]
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
  protected link(v: number, port: number): void {
    const prio = this.priority[port]!;
    const q = v * EVTCHN_FIFO_MAX_QUEUES + prio;
    // the queue lock, and the old queue's too when the port has moved, before P is tested
    this.work[WORK_QUEUE_LOCKS]! += this.lastQueue[port] === q ? 1 : 2;
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
    this.work[WORK_GUEST_LOCKED]!++; // Linux evtchn_fifo_mask: sync_set_bit
    this.event[port]! |= MASKED;
  }

  // Xen evtchn_fifo_unmask: clear MASKED, and link the port if it is pending. Linux's
  // evtchn_fifo_unmask clears MASKED itself (clear_masked_cond's cmpxchg) unless the port is
  // already pending: then only the hypercall can link it.
  unmask(port: number, from = -1): void {
    this.check(port);
    const was = this.event[port]!;
    if (from < 0 || ((was & MASKED) !== 0 && (was & PENDING) !== 0)) this.work[WORK_UNMASK_HYPERCALLS]!++;
    else if ((was & MASKED) !== 0) this.work[WORK_GUEST_LOCKED]!++;
    const w = this.event[port]! & ~MASKED;
    this.event[port] = w;
    this.work[WORK_SEND_RMW]!++;
    if ((w & PENDING) !== 0) this.link(this.notifyVcpu[port]!, port);
  }

  // only future links go to the new vCPU's queues (Linux's FIFO bind_to_cpu does nothing)
  bind(port: number, vcpu: number): void {
    this.check(port);
    if (!(vcpu >= 0 && vcpu < this.vcpus)) throw new RangeError(`fifo: no vCPU ${vcpu} (vcpus=${this.vcpus})`);
    this.state.touchBindings();
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
    return CONTROL_BLOCK_PAGE_BYTES + 1; // the control block's page + evtchn_upcall_pending
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
  protected handleEvents(v: number, handler: EventHandler): number {
    let ready = this.ready[v]! | 0;
    this.ready[v] = 0;
    this.work[WORK_XCHG]!++;
    this.work[WORK_GUEST_LOCKED]!++;
    this.work[WORK_BYTES_READ]! += 4;
    let delivered = 0;
    while (ready !== 0) {
      const prio = 31 - Math.clz32(ready & -ready);
      const qi = v * EVTCHN_FIFO_MAX_QUEUES + prio;
      // consume_one_event
      let head = this.localHead[qi]!;
      if (head === 0) {
        head = this.head[qi]!; // "Reached the tail last time?"
        this.work[WORK_WORDS_READ]!++;
        this.work[WORK_BYTES_READ]! += 4;
      }
      const port = head;
      const w = this.event[port]!; // clear_linked: clear L and LINK, return old LINK
      this.event[port] = w & ~(LINKED | LINK_MASK);
      head = w & LINK_MASK;
      if (head === 0) ready &= ~(1 << prio);
      const now = this.event[port]!;
      this.work[WORK_WORDS_READ]! += 3;
      this.work[WORK_BYTES_READ]! += 12;
      this.work[WORK_GUEST_LOCKED]!++; // clear_linked's cmpxchg
      if ((now & PENDING) !== 0 && (now & MASKED) === 0) {
        this.event[port] = now & ~PENDING; // ack (sync_clear_bit) before the driver runs
        this.work[WORK_GUEST_LOCKED]!++;
        delivered++;
        handler.handle(v, port);
      }
      this.localHead[qi] = head;
      ready |= this.ready[v]!;
      this.ready[v] = 0;
      this.work[WORK_XCHG]!++;
      this.work[WORK_GUEST_LOCKED]!++;
      this.work[WORK_BYTES_READ]! += 4;
    }
    return delivered;
  }
}
