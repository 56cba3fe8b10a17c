// The timed FIFO model: the operations of Fifo (fifo-counted.ts) on the same state, in the
// same order, without the work counters, the queue-lock count and the port-range check (the
// gate has run the same stream through the checked, counted model first, and the suite's gate
// holds this model to its deliveries). FIFO's event words are 32 bits whatever the guest's
// word size, so there is one timed model for both.
import type { EventHandler, EvtchnConfig } from './abi.js';
import { BUSY, EVTCHN_FIFO_MAX_QUEUES, Fifo, LINK_MASK, LINKED, MASKED, PENDING } from './fifo-counted.js';

export function createTimed(config: EvtchnConfig): Fifo {
  return new FifoTimed(config);
}

class FifoTimed extends Fifo {
  override setPending(port: number): void {
    this.link(this.notifyVcpu[port]!, port);
  }

  // evtchn_fifo_set_pending: P; if unmasked and not LINKED, link at the tail of the queue
  // for the port's priority; READY and the upcall only for a new HEAD
  protected override link(v: number, port: number): void {
    const prio = this.priority[port]!;
    const q = v * EVTCHN_FIFO_MAX_QUEUES + prio;
    const w = this.event[port]! | PENDING;
    if ((w & (MASKED | LINKED)) !== 0) {
      this.event[port] = w;
      return;
    }
    this.event[port] = w | LINKED;
    const oldQ = this.lastQueue[port]!;
    if (this.tail[oldQ] === port) this.tail[oldQ] = 0; // an old tail is not linked to
    this.lastQueue[port] = q;
    const t = this.tail[q]!;
    this.tail[q] = port;
    if (t !== 0) {
      const tw = this.event[t]!;
      if ((tw & LINKED) !== 0) {
        this.event[t] = (tw & ~(BUSY | LINK_MASK)) | port;
        return;
      }
    }
    this.head[q] = port;
    const bit = 1 << prio;
    if ((this.ready[v]! & bit) !== 0) return;
    this.ready[v]! |= bit;
    this.upcallPending[v] = 1;
  }

  override mask(port: number): void {
    this.event[port]! |= MASKED;
  }

  override unmask(port: number, _from?: number): void {
    const w = this.event[port]! & ~MASKED;
    this.event[port] = w;
    if ((w & PENDING) !== 0) this.link(this.notifyVcpu[port]!, port);
  }

  override upcall(v: number, handler: EventHandler): number {
    if (this.upcallPending[v] === 0) return 0;
    let delivered = 0;
    do {
      this.upcallPending[v] = 0;
      delivered += this.handleEvents(v, handler);
    } while (this.upcallPending[v] !== 0);
    return delivered;
  }

  // evtchn_fifo_handle_events with consume_one_event inlined
  protected override handleEvents(v: number, handler: EventHandler): number {
    const event = this.event;
    const qBase = v * EVTCHN_FIFO_MAX_QUEUES;
    let ready = this.ready[v]! | 0; // xchg(READY, 0)
    this.ready[v] = 0;
    let delivered = 0;
    while (ready !== 0) {
      const prio = 31 - Math.clz32(ready & -ready);
      const qi = qBase + prio;
      const port = this.localHead[qi] || this.head[qi]!; // "Reached the tail last time?"
      const w = event[port]!; // clear_linked
      event[port] = w & ~(LINKED | LINK_MASK);
      const next = w & LINK_MASK;
      if (next === 0) ready &= ~(1 << prio);
      const now = event[port]!;
      if ((now & (PENDING | MASKED)) === PENDING) {
        event[port] = now & ~PENDING; // ack before the driver runs
        delivered++;
        handler.handle(v, port);
      }
      this.localHead[qi] = next;
      ready |= this.ready[v]!;
      this.ready[v] = 0;
    }
    return delivered;
  }
}
