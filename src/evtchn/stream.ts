// The timed replay: the case's own stream, as the load orders it, on one model instance.
// Guest state (the Linux resume cursor included) and Xen's state persist from one operation
// to the next as they would in Linux and Xen; between samples, untimed, the model and the
// driver are put back exactly as they were after the prologue, so every sample does the same
// work. The loop dispatches on the op code from a typed array and calls the model directly:
// no allocation, no closure, one call site per operation kind; a run of sends is one
// dispatch. Its driver rules are those of replay.ts (the gate's), and a test holds the two
// to the same deliveries.
// A stream without driver rules (no lateeoi, hot or during op: decided once, from the load)
// hands the model a DeliverySink, which only counts and digests, as the C anchor's handler
// sums and counts; the model's handler call site then sees that one class.
import type { EventHandler, EvtchnModel } from './abi.js';
import {
  type EvtchnLoad,
  beginOf,
  OP_BIND,
  OP_CLOSE,
  OP_DURING,
  OP_EOI,
  OP_HOT,
  OP_IPI,
  OP_LATEEOI,
  OP_MASK,
  OP_OPEN,
  OP_PRIORITY,
  OP_SEND,
  OP_TIMER,
  OP_UNMASK,
  OP_UPCALL,
} from './ops.js';
import { digestStep } from './replay.js';

/** Linux handle_irq_for_port reduced to the driver's bookkeeping: count the event and fold
 *  it into the digest of the delivery order (replay.ts: deliveryDigest). */
export class DeliverySink implements EventHandler {
  delivered = 0;
  digest = 0;
  handle(vcpu: number, port: number): void {
    this.digest = digestStep(this.digest, ++this.delivered, vcpu, port);
  }
}

/** Whether a stream needs the driver's rules in the handler: a lateeoi ack, a hot port's
 *  re-raise or a send during a scan. */
export function needsDriver(load: EvtchnLoad): boolean {
  for (let i = 0; i < load.length; i++) {
    const op = load.op[i];
    if (op === OP_LATEEOI || op === OP_HOT || op === OP_DURING) return true;
  }
  return false;
}

export class StreamReplay implements EventHandler {
  /** what the model's upcall hands its events to: this replay when the stream needs the
   *  driver's rules, else the sink alone */
  readonly handler: EventHandler;
  private readonly sink = new DeliverySink();
  /** hypervisor set_pending calls of the last run: sends, re-raises, sends during a scan */
  sends = 0;
  /** unmasks of the last run (the guest's, EOIs and opens included) */
  unmasks = 0;
  upcalls = 0;

  private readonly op: Uint8Array;
  private readonly port: Int32Array;
  private readonly arg: Int32Array;
  private readonly begin: number;
  private readonly end: number;
  private readonly lateeoi: Uint8Array;
  private readonly lateeoiAtBegin: Uint8Array;
  private readonly eoiMasked: Uint8Array;
  private readonly duringPort: Int32Array;
  private readonly duringAt: Int32Array;
  private duringHead = 0;
  private duringTail = 0;
  private inUpcall = 0;
  private hotPort = -1;
  private hotLeft = 0;

  constructor(
    private readonly abi: EvtchnModel,
    load: EvtchnLoad,
  ) {
    this.op = load.op;
    this.port = load.port;
    this.arg = load.arg;
    this.end = load.length;
    const begin = beginOf(load);
    this.begin = Math.min(load.length, begin + 1);
    this.lateeoi = new Uint8Array(load.ports);
    this.eoiMasked = new Uint8Array(load.ports);
    let during = 0;
    for (let i = 0; i < load.length; i++) if (load.op[i] === OP_DURING) during++;
    this.duringPort = new Int32Array(during);
    this.duringAt = new Int32Array(during);
    this.handler = needsDriver(load) ? this : this.sink;
    this.replay(0, begin); // the prologue, once
    this.lateeoiAtBegin = this.lateeoi.slice();
    abi.saveState();
  }

  /** Untimed: the model and the driver as they were after the prologue. */
  reset(): void {
    this.abi.restoreState();
    this.lateeoi.set(this.lateeoiAtBegin);
    this.eoiMasked.fill(0);
    this.duringHead = 0;
    this.duringTail = 0;
    this.hotPort = -1;
    this.hotLeft = 0;
    this.sink.delivered = 0;
    this.sink.digest = 0;
    this.sends = 0;
    this.unmasks = 0;
    this.upcalls = 0;
  }

  /** Timed: the stream after the prologue. Returns the events delivered. */
  run(): number {
    this.replay(this.begin, this.end);
    return this.delivered;
  }

  /** the index of the operation half-way through the stream after its prologue */
  get middle(): number {
    return this.begin + ((this.end - this.begin) >> 1);
  }

  /** Untimed: the stream with a migration before operation `at` (an index into the load);
   *  returns the ports raised again. run() must not be timed around it. */
  runMigrating(at: number): number {
    const mid = Math.max(this.begin, Math.min(this.end, at));
    this.replay(this.begin, mid);
    const raised = this.abi.migrate();
    this.replay(mid, this.end);
    return raised;
  }

  /** Untimed: operations [from, to) of the stream (indices into the load, clamped to the
   *  stream after its prologue), continuing from wherever the last part stopped. */
  runPart(from: number, to: number): number {
    this.replay(Math.max(this.begin, from), Math.min(this.end, to));
    return this.delivered;
  }

  /** the index one past the stream's last operation */
  get length(): number {
    return this.end;
  }

  /** deliveries of the last run, and their digest (replay.ts: deliveryDigest) */
  get delivered(): number {
    return this.sink.delivered;
  }
  get digest(): number {
    return this.sink.digest;
  }

  handle(vcpu: number, port: number): void {
    this.sink.handle(vcpu, port);
    if (this.lateeoi[port] !== 0) {
      this.eoiMasked[port] = 1;
      this.abi.mask(port);
    }
    if (port === this.hotPort && this.hotLeft > 0) {
      this.hotLeft--;
      this.send(port);
    }
    this.inUpcall++;
    while (this.duringHead < this.duringTail && this.duringAt[this.duringHead]! <= this.inUpcall) {
      this.send(this.duringPort[this.duringHead++]!);
    }
  }

  private send(port: number): void {
    this.sends++;
    this.abi.setPending(port);
  }

  private replay(from: number, to: number): void {
    const abi = this.abi;
    const op = this.op;
    const portOf = this.port;
    const argOf = this.arg;
    for (let i = from; i < to; i++) {
      const port = portOf[i]!;
      const arg = argOf[i]!;
      switch (op[i]) {
        case OP_SEND: {
          // a run of sends in one loop, as the anchors' C calls set_pending port after port:
          // one dispatch per run, not per send
          let j = i;
          do abi.setPending(portOf[j++]!);
          while (j < to && op[j] === OP_SEND);
          this.sends += j - i;
          i = j - 1;
          break;
        }
        case OP_MASK:
          abi.mask(port);
          break;
        case OP_UNMASK:
          this.unmasks++;
          abi.unmask(port, arg);
          break;
        case OP_BIND:
        case OP_IPI:
          abi.bind(port, arg);
          break;
        case OP_UPCALL:
          this.upcalls++;
          this.inUpcall = 0;
          abi.upcall(arg, this.handler);
          while (this.duringHead < this.duringTail) this.send(this.duringPort[this.duringHead++]!);
          break;
        case OP_HOT:
          this.hotPort = port;
          this.hotLeft = arg;
          break;
        case OP_TIMER:
          abi.bindTimer(port, arg);
          break;
        case OP_PRIORITY:
          abi.setPriority(port, arg);
          break;
        case OP_CLOSE:
          abi.close(port);
          break;
        case OP_OPEN:
          abi.bind(port, arg);
          this.unmasks++;
          abi.unmask(port, arg);
          break;
        case OP_LATEEOI:
          this.lateeoi[port] = 1;
          break;
        case OP_EOI:
          if (this.eoiMasked[port] !== 0) {
            this.eoiMasked[port] = 0;
            this.unmasks++;
            abi.unmask(port, arg);
          }
          break;
        case OP_DURING:
          this.duringPort[this.duringTail] = port;
          this.duringAt[this.duringTail++] = arg;
          break;
        default:
          break; // begin, refused
      }
    }
  }
}
