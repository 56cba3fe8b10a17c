// Reference model of the FIFO ABI: each (vCPU, priority) queue is a plain list of ports, the
// flags are booleans. It states the ordering rules of Xen xen/common/event_fifo.c and Linux
// drivers/xen/events/events_fifo.c directly:
// - send: the port becomes pending; if it is unmasked and not already queued, it is
//   appended to its bound vCPU's queue for its priority. If that queue was empty, the queue
//   is announced (READY) and, if it was not announced yet, the vCPU gets an upcall.
// - unmask: clears the mask and, if the port is pending, sends it again (relink at the tail).
// - bind and set_priority: only later appends go to the new vCPU or queue; a queued port
//   stays where it is. close: the port is no longer pending (it may stay queued, and is
//   then skipped), and is used again at vCPU 0, the default priority.
// - upcall: while upcall_pending, clear it and consume: take the announced queues, and
//   repeatedly pop the front of the highest-priority one (lowest number); a popped port is
//   delivered (acked first) if it is pending and unmasked, else skipped; a queue that runs
//   empty leaves the set; after every pop, queues announced meanwhile join the set.
import {
  checkConfig,
  portRangeError,
  WORK_SLOTS,
  type EventHandler,
  type EvtchnConfig,
  type EvtchnStreamOps,
} from './abi.js';

const QUEUES = 16;
const DEFAULT_PRIORITY = 7;

class Queue {
  private items: number[] = [];
  private front = 0;
  get empty(): boolean {
    return this.front === this.items.length;
  }
  push(port: number): void {
    this.items.push(port);
  }
  shift(): number {
    const port = this.items[this.front++]!;
    if (this.empty) {
      this.items = [];
      this.front = 0;
    }
    return port;
  }
  clear(): void {
    this.items = [];
    this.front = 0;
  }
}

export class FifoReference implements EvtchnStreamOps {
  readonly capacity = 1 << 17;
  readonly vcpus: number;
  readonly work = new Float64Array(WORK_SLOTS);
  private readonly pending: boolean[] = [];
  private readonly masked: boolean[] = [];
  private readonly queued: boolean[] = [];
  private readonly boundTo: number[] = [];
  private readonly priority: number[] = [];
  private readonly queues: Queue[][] = [];
  /** announced[v][q]: Xen has set READY for that queue and the guest has not taken it yet */
  private readonly announced: boolean[][] = [];
  private readonly upcallPending: boolean[] = [];

  constructor(config: EvtchnConfig) {
    checkConfig('fifo reference', config, this.capacity);
    this.vcpus = config.vcpus;
    for (let p = 0; p < config.ports; p++) {
      this.pending.push(false);
      this.masked.push(false);
      this.queued.push(false);
      this.boundTo.push(0);
      this.priority.push(DEFAULT_PRIORITY);
    }
    for (let v = 0; v < this.vcpus; v++) {
      const qs: Queue[] = [];
      for (let q = 0; q < QUEUES; q++) qs.push(new Queue());
      this.queues.push(qs);
      this.announced.push(new Array<boolean>(QUEUES).fill(false));
      this.upcallPending.push(false);
    }
  }

  private check(port: number): void {
    if (!(port > 0 && port < this.capacity)) throw portRangeError('fifo reference', port, this.capacity);
    if (port >= this.pending.length) throw new RangeError(`fifo reference: port ${port} beyond the event array`);
  }

  setPending(port: number): void {
    this.check(port);
    this.pending[port] = true;
    if (this.masked[port] || this.queued[port]) return;
    const v = this.boundTo[port]!;
    const prio = this.priority[port]!;
    const queue = this.queues[v]![prio]!;
    const wasEmpty = queue.empty;
    queue.push(port);
    this.queued[port] = true;
    if (wasEmpty && !this.announced[v]![prio]) {
      this.announced[v]![prio] = true;
      this.upcallPending[v] = true;
    }
  }

  mask(port: number): void {
    this.check(port);
    this.masked[port] = true;
  }

  unmask(port: number): void {
    this.check(port);
    this.masked[port] = false;
    if (this.pending[port]) this.setPending(port);
  }

  bind(port: number, vcpu: number): void {
    this.check(port);
    this.boundTo[port] = vcpu;
  }

  setPriority(port: number, priority: number): void {
    this.check(port);
    this.priority[port] = priority;
  }

  bindTimer(port: number, vcpu: number): void {
    this.bind(port, vcpu);
  }

  close(port: number): void {
    this.check(port);
    this.pending[port] = false;
    this.boundTo[port] = 0;
    this.priority[port] = DEFAULT_PRIORITY;
  }

  isPending(port: number): boolean {
    return this.pending[port]!;
  }

  isMasked(port: number): boolean {
    return this.masked[port]!;
  }

  resetPending(): void {
    this.pending.fill(false);
    this.queued.fill(false);
    for (const qs of this.queues) for (const q of qs) q.clear();
    for (const a of this.announced) a.fill(false);
    this.upcallPending.fill(false);
  }

  sharedBytes(): number {
    return Math.ceil(this.pending.length / 1024) * 4096;
  }

  perVcpuBytes(): number {
    return 72 + 1;
  }

  upcall(v: number, handler: EventHandler): number {
    if (!this.upcallPending[v]) return 0;
    let delivered = 0;
    while (this.upcallPending[v]) {
      this.upcallPending[v] = false;
      const active = this.take(v);
      for (let q = active.indexOf(true); q >= 0; q = active.indexOf(true)) {
        const port = this.queues[v]![q]!.shift();
        this.queued[port] = false;
        if (this.queues[v]![q]!.empty) active[q] = false;
        if (this.pending[port] && !this.masked[port]) {
          this.pending[port] = false;
          delivered++;
          handler.handle(v, port);
        }
        const more = this.take(v);
        for (let i = 0; i < QUEUES; i++) active[i] = active[i] || more[i]!;
      }
    }
    return delivered;
  }

  /** the guest takes (and clears) the announced queues */
  private take(v: number): boolean[] {
    const taken = this.announced[v]!.slice();
    this.announced[v]!.fill(false);
    return taken;
  }
}
