// The one interface every event-channel ABI model sits behind: a table of operations, like
// Xen's `struct evtchn_port_ops` (xen-project/xen xen/common/event_channel.h) on the
// hypervisor side plus the guest's `evtchn_ops->handle_events` (torvalds/linux
// drivers/xen/events/events_internal.h) on the other. A variant module knows nothing of the
// harness: it exports `family`, `capacity(config)` and `create(config)`.

/** Shape of one model instance. */
export interface EvtchnConfig {
  /** bits per event word (BITS_PER_EVTCHN_WORD): 64 for 64-bit guests, 32 for 32-bit x86 */
  readonly wordBits: 32 | 64;
  /** levels of the bitmap tree (2 = the 2-level ABI); ignored by ABIs that are not bitmaps */
  readonly depth: number;
  readonly vcpus: number;
  /** ports the guest uses (highest port + 1); sizes FIFO's event array. Must be <= capacity. */
  readonly ports: number;
}

/**
 * The guest's per-port dispatch (Linux handle_irq_for_port → the driver). Passed as an object
 * with a method, set up once, so that the scan creates no closure per event. When it is
 * called the port has already been acked (PENDING cleared), as ack_dynirq does before the
 * driver runs; the handler may call setPending() again (a re-raise).
 */
export interface EventHandler {
  handle(vcpu: number, port: number): void;
}

/**
 * Deterministic work counters, indices into `EvtchnPortOps.work`. They count the model's
 * accesses to event-channel memory, so they are exact across machines and runs.
 */
/** event words loaded by the guest scan (2L/NL: pending, mask and per-CPU mask words of a
 *  visit; FIFO: event word reads and HEAD reads) */
export const WORK_WORDS_READ = 0;
/** xchg of a selector (2L/NL, every level) or of the control block's READY (FIFO) */
export const WORK_XCHG = 1;
/** upcalls taken (the vCPU had upcall_pending set when asked to take its interrupt) */
export const WORK_UPCALLS = 2;
/** iterations of the outer upcall loop (calls of handle_events) */
export const WORK_LOOPS = 3;
/** ports handed to the handler */
export const WORK_DELIVERED = 4;
/** read-modify-writes of shared memory by the hypervisor in set_pending/unmask */
export const WORK_SEND_RMW = 5;
/** bytes of event-channel memory the guest loads while it scans: selectors or READY (read
 *  by their xchg), leaf words or event words, HEADs. Unlike WORK_WORDS_READ, it does not mix
 *  4- and 8-byte words. */
export const WORK_BYTES_READ = 6;
/** locked read-modify-writes by the guest: the selector/READY xchg, the ack's
 *  sync_clear_bit (Linux clear_evtchn), FIFO's clear_linked cmpxchg, and the guest's own
 *  mask/unmask bit operations */
export const WORK_GUEST_LOCKED = 7;
/** Xen FIFO per-queue spinlocks taken by set_pending (evtchn_fifo_set_pending locks the
 *  queue, and the old queue too when the port moves, on every call, coalesced or not) */
export const WORK_QUEUE_LOCKS = 8;
/** EVTCHNOP_unmask hypercalls the guest had to make (Linux evtchn_2l_unmask: a port bound to
 *  another CPU; evtchn_fifo_unmask: a masked port that is already pending) */
export const WORK_UNMASK_HYPERCALLS = 9;
/** ports delivered by the 2-level VIRQ_TIMER pre-check before the scan */
export const WORK_TIMER_FIRST = 10;
export const WORK_SLOTS = 11;

export interface EvtchnPortOps {
  /** ports this instance can address (port 0 is reserved and never used) */
  readonly capacity: number;
  readonly vcpus: number;
  /** counters indexed by WORK_* (monotonic; zero them with work.fill(0)) */
  readonly work: Float64Array;

  // Hypervisor side (Xen port ops)
  /** EVTCHNOP_send / VIRQ: set PENDING and notify the port's bound vCPU on a 0→1 edge */
  setPending(port: number): void;
  /** guest sets MASK */
  mask(port: number): void;
  /** Clears MASK and re-raises the port if it is pending. `from` is the vCPU the guest
   *  unmasks on (Linux unmask_evtchn decides there whether EVTCHNOP_unmask is needed);
   *  without it, the EVTCHNOP_unmask hypercall itself. */
  unmask(port: number, from?: number): void;
  /** EVTCHNOP_bind_vcpu plus the guest's bind_to_cpu: future notifications go to `vcpu`.
   *  Like Xen it does not re-deliver; Linux masks before and unmasks after. */
  bind(port: number, vcpu: number): void;

  // Guest side
  /** The vCPU takes its event upcall (if upcall_pending is set): Linux's outer loop, clear
   *  upcall_pending, handle events, repeat while re-raised. Returns events delivered. */
  upcall(vcpu: number, handler: EventHandler): number;

  isPending(port: number): boolean;
  isMasked(port: number): boolean;
  /** Clears every PENDING bit, selector/queue and cursor; keeps masks and bindings. Used
   *  untimed to re-arm a batch between timing samples. */
  resetPending(): void;

  /** event-channel memory shared with the hypervisor for the whole guest, in bytes */
  sharedBytes(): number;
  /** event-channel memory shared with the hypervisor per vCPU, in bytes */
  perVcpuBytes(): number;
}

/** The port ops plus the rest of what a stream asks of an ABI (the references too). */
export interface EvtchnStreamOps extends EvtchnPortOps {
  /** EVTCHNOP_set_priority: FIFO moves future links to that queue; the bitmap ABIs have no
   *  priorities (Xen answers -ENOSYS), so they ignore it */
  setPriority(port: number, priority: number): void;
  /** bind_virq_to_irq(VIRQ_TIMER, vcpu): the port is the vCPU's timer, which the 2-level
   *  scan checks before anything else (Linux evtchn_2l_handle_events) */
  bindTimer(port: number, vcpu: number): void;
  /** EVTCHNOP_close: Xen clears PENDING and the port is free again, notifying vCPU 0 when it
   *  is reused (Xen evtchn_close → evtchn_free; Linux binds a new port to CPU 0) */
  close(port: number): void;
}

/** What a variant's create() returns: the stream ops plus what the suite needs to count
 *  memory and to replay a stream from the same state every time. */
export interface EvtchnModel extends EvtchnStreamOps {
  /** event-channel memory of the guest's own, per vCPU, in bytes (Linux's per-CPU mask of
   *  bound ports for the bitmap ABIs, the per-CPU queue heads for FIFO) */
  privateBytesPerVcpu(): number;
  /** What the guest registers again after a migration or a resume, before events flow
   *  (the hypervisor keeps no extension across hosts): hypercalls made and guest frames
   *  registered. */
  reregistration(): { readonly hypercalls: number; readonly pages: number };
  /** The guest resumes on a new host that keeps its channels (bindings, masks, priorities)
   *  but none of the extension's hypervisor-private state. Returns the ports the guest had
   *  to raise again so that no pending event is lost. */
  migrate(): number;
  /** What a host must offer for the guest's registration to be accepted again: the depth
   *  of its bitmap tree (2: no extension) and the ports of its FIFO event array (0: none). */
  needs(): ExtensionNeeds;
  /** Untimed: remember every piece of state (Xen's, the shared memory, Linux's cursors). */
  saveState(): void;
  /** Untimed: put back exactly what saveState() remembered. */
  restoreState(): void;
}

/** What a guest's event-channel setup asks of a host (see EvtchnModel.needs). */
export interface ExtensionNeeds {
  readonly levels: number;
  readonly fifoPorts: number;
}

type StateArray = Uint8Array | Uint32Array | Int32Array;

/**
 * Typed arrays of a model's state, copied aside and back without allocating again. `hot`
 * holds what sends, masks and upcalls change; `bindings` what only binding, closing or a
 * priority change does, restored only when the model said one ran (touchBindings) since the
 * last save or restore. The restore is untimed, but what it writes is in the cache the timed
 * replay then runs in: writing the binding tables back on every sample of a stream that never
 * rebinds (notify_vcpu_id alone is 16 KiB at 4096 ports; half a MiB over the 32 guest copies
 * of a sparse stream) fills it with lines the stream does not read, which nothing in the ABI
 * does. (Its effect on the sparse rows' times could not be told from this VM's noise.)
 */
export class StateCopy {
  private readonly savedHot: StateArray[];
  private readonly savedBindings: StateArray[];
  private bindingsTouched = false;
  constructor(
    private readonly hot: readonly StateArray[],
    private readonly bindings: readonly StateArray[] = [],
  ) {
    this.savedHot = hot.map((a) => a.slice());
    this.savedBindings = bindings.map((a) => a.slice());
  }
  /** the model changed a binding array (bind, close, set_priority) */
  touchBindings(): void {
    this.bindingsTouched = true;
  }
  save(): void {
    copyAll(this.savedHot, this.hot);
    copyAll(this.savedBindings, this.bindings);
    this.bindingsTouched = false;
  }
  restore(): void {
    copyAll(this.hot, this.savedHot);
    if (this.bindingsTouched) copyAll(this.bindings, this.savedBindings);
    this.bindingsTouched = false;
  }
}

function copyAll(to: readonly StateArray[], from: readonly StateArray[]): void {
  for (let i = 0; i < to.length; i++) (to[i] as Uint32Array).set(from[i] as Uint32Array);
}

/** What every variant module exports. */
interface VariantCommon {
  /** the ABI's name, as its errors and capacity messages say it */
  readonly name: string;
  capacity(config: EvtchnConfig): number;
  create(config: EvtchnConfig): EvtchnModel;
  /** The same model without its work counters: what the suite times. Its hot operations
   *  are specialised per configuration; the gate holds it to create()'s deliveries. */
  createTimed(config: EvtchnConfig): EvtchnModel;
}

/** A bitmap ABI (2-level, N-level): judged by the bitmap reference at its own depth. */
export interface BitmapVariant extends VariantCommon {
  readonly family: 'bitmap';
  /** levels of the tree this ABI builds for a config (2-level: always 2) */
  levels(config: EvtchnConfig): number;
}

/** A queue ABI (FIFO): judged by the FIFO reference. */
export interface FifoVariant extends VariantCommon {
  readonly family: 'fifo';
}

/** What a variant module exports; `family` says which reference decides its order. */
export type EvtchnVariant = BitmapVariant | FifoVariant;

/** The error for a port beyond what the ABI can address: never a silent wrap. */
export function portRangeError(abi: string, port: number, capacity: number): RangeError {
  if (port === 0) return new RangeError(`${abi}: port 0 is reserved (capacity ${capacity} ports)`);
  return new RangeError(
    `${abi}: port ${port} is beyond the capacity of ${capacity} ports (valid ports 1..${capacity - 1})`,
  );
}

export function checkConfig(abi: string, config: EvtchnConfig, capacity: number): void {
  if (config.wordBits !== 32 && config.wordBits !== 64) {
    throw new RangeError(`${abi}: word size must be 32 or 64 bits, got ${String(config.wordBits)}`);
  }
  if (!Number.isInteger(config.vcpus) || config.vcpus < 1) {
    throw new RangeError(`${abi}: vcpus must be a positive integer, got ${config.vcpus}`);
  }
  if (!Number.isInteger(config.ports) || config.ports < 2 || config.ports > capacity) {
    throw new RangeError(`${abi}: ${config.ports} ports requested, but the capacity is ${capacity} ports`);
  }
}
