// Runs an operation stream against any model and records what its guest observed: every
// delivery (operation index, vCPU, port) in order, plus the bookkeeping the tests and the
// fairness counter need. The bookkeeping is kept here, outside the models, from the
// operations alone, so it is the same yardstick for every variant and the reference. The
// driver's rules (hot re-raise, lateeoi, sends during a scan) are those of stream.ts, which
// times the same stream; a test holds the two to the same deliveries.
import type { EventHandler, EvtchnStreamOps } from './abi.js';
import {
  type EvtchnLoad,
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
  OP_REFUSED,
  OP_SEND,
  OP_TIMER,
  OP_UNMASK,
  OP_UPCALL,
} from './ops.js';

export interface Observation {
  /** triples: index of the upcall operation, vCPU, port — in delivery order */
  readonly deliveries: number[];
  /** 0→1 PENDING edges caused (sends and re-raises that did not coalesce) */
  readonly edges: number;
  /** deliveries of a port that, by the operations, was not pending (must be 0) */
  readonly spurious: number;
  /** deliveries on a vCPU the port was not bound to: 0 for the bitmap ABIs; FIFO delivers
   *  a port still queued on its old vCPU after a rebind, as Linux does */
  readonly misrouted: number;
  /** ports still pending and unmasked after the last operation (must be 0: the loads end
   *  with a drain) */
  readonly leftPending: number;
  /** worst wait of any port: events its vCPU handled between the port becoming deliverable
   *  (sent or re-raised while unmasked, or unmasked while pending) and its delivery */
  readonly worstWait: number;
  /** allocations refused with -ENOSPC */
  readonly refused: number;
  /** per port: how often the handler saw it */
  readonly deliveriesPerPort: Uint32Array;
  /** per port: its 0→1 PENDING edges */
  readonly edgesPerPort: Uint32Array;
}

/** The guest's handler during a replay: records, acks in the shadow, runs the driver. */
class Recorder implements EventHandler {
  readonly deliveries: number[] = [];
  at = 0;
  hotPort = -1;
  hotLeft = 0;
  edges = 0;
  spurious = 0;
  misrouted = 0;
  worstWait = 0;
  /** deliveries in the current upcall operation */
  inUpcall = 0;
  readonly pending: Uint8Array;
  readonly masked: Uint8Array;
  readonly boundTo: Int32Array;
  readonly lateeoi: Uint8Array;
  readonly eoiMasked: Uint8Array;
  readonly readySince: Float64Array;
  readonly handled: Float64Array;
  readonly deliveriesPerPort: Uint32Array;
  readonly edgesPerPort: Uint32Array;
  readonly duringPort: number[] = [];
  readonly duringAt: number[] = [];

  constructor(
    private readonly abi: EvtchnStreamOps,
    ports: number,
    vcpus: number,
  ) {
    this.pending = new Uint8Array(ports);
    this.masked = new Uint8Array(ports);
    this.boundTo = new Int32Array(ports);
    this.lateeoi = new Uint8Array(ports);
    this.eoiMasked = new Uint8Array(ports);
    this.readySince = new Float64Array(ports);
    this.handled = new Float64Array(vcpus);
    this.deliveriesPerPort = new Uint32Array(ports);
    this.edgesPerPort = new Uint32Array(ports);
  }

  send(port: number): void {
    if (!this.pending[port]) {
      this.pending[port] = 1;
      this.edges++;
      this.edgesPerPort[port]!++;
      if (!this.masked[port]) this.readySince[port] = this.handled[this.boundTo[port]!]!;
    }
    this.abi.setPending(port);
  }

  unmask(port: number, from: number): void {
    if (this.masked[port] && this.pending[port]) this.readySince[port] = this.handled[this.boundTo[port]!]!;
    this.masked[port] = 0;
    this.abi.unmask(port, from);
  }

  handle(vcpu: number, port: number): void {
    this.deliveries.push(this.at, vcpu, port);
    this.deliveriesPerPort[port]!++;
    if (!this.pending[port]) this.spurious++;
    if (this.boundTo[port] !== vcpu) {
      this.misrouted++; // its wait was counted on another vCPU's clock: not comparable
    } else {
      const wait = this.handled[vcpu]! - this.readySince[port]!;
      if (wait > this.worstWait) this.worstWait = wait;
    }
    this.handled[vcpu]!++;
    this.pending[port] = 0;
    if (this.lateeoi[port]) {
      // lateeoi_ack_dynirq: masked until the backend's EOI
      this.masked[port] = 1;
      this.eoiMasked[port] = 1;
      this.abi.mask(port);
    }
    if (port === this.hotPort && this.hotLeft > 0) {
      this.hotLeft--;
      this.send(port);
    }
    this.inUpcall++;
    while (this.duringPort.length > 0 && this.duringAt[0]! <= this.inUpcall) {
      this.duringAt.shift();
      this.send(this.duringPort.shift()!);
    }
  }
}

export function replay(abi: EvtchnStreamOps, load: EvtchnLoad): Observation {
  const rec = new Recorder(abi, load.ports, load.vcpus);
  let refused = 0;
  for (let i = 0; i < load.length; i++) {
    const port = load.port[i]!;
    const arg = load.arg[i]!;
    rec.at = i;
    switch (load.op[i]) {
      case OP_SEND:
        rec.send(port);
        break;
      case OP_MASK:
        rec.masked[port] = 1;
        abi.mask(port);
        break;
      case OP_UNMASK:
        rec.unmask(port, arg);
        break;
      case OP_BIND:
        rec.boundTo[port] = arg;
        if (rec.pending[port] && !rec.masked[port]) rec.readySince[port] = rec.handled[arg]!;
        abi.bind(port, arg);
        break;
      case OP_UPCALL:
        rec.inUpcall = 0;
        abi.upcall(arg, rec);
        // sends the scan did not reach still arrive, after it
        while (rec.duringPort.length > 0) {
          rec.duringAt.shift();
          rec.send(rec.duringPort.shift()!);
        }
        break;
      case OP_HOT:
        rec.hotPort = port;
        rec.hotLeft = arg;
        break;
      case OP_TIMER:
        rec.boundTo[port] = arg;
        abi.bindTimer(port, arg);
        break;
      case OP_IPI:
        rec.boundTo[port] = arg;
        abi.bind(port, arg);
        break;
      case OP_PRIORITY:
        abi.setPriority(port, arg);
        break;
      case OP_CLOSE:
        rec.pending[port] = 0;
        rec.boundTo[port] = 0;
        abi.close(port);
        break;
      case OP_OPEN:
        rec.boundTo[port] = arg;
        abi.bind(port, arg);
        rec.unmask(port, arg);
        break;
      case OP_LATEEOI:
        rec.lateeoi[port] = 1;
        break;
      case OP_EOI:
        if (rec.eoiMasked[port]) {
          rec.eoiMasked[port] = 0;
          rec.unmask(port, arg);
        }
        break;
      case OP_DURING:
        rec.duringPort.push(port);
        rec.duringAt.push(arg);
        break;
      case OP_REFUSED:
        refused++;
        break;
      default:
        break; // begin
    }
  }
  let leftPending = 0;
  for (let p = 1; p < load.ports; p++) if (rec.pending[p] && !rec.masked[p]) leftPending++;
  return {
    deliveries: rec.deliveries,
    edges: rec.edges,
    spurious: rec.spurious,
    misrouted: rec.misrouted,
    leftPending,
    worstWait: rec.worstWait,
    refused,
    deliveriesPerPort: rec.deliveriesPerPort,
    edgesPerPort: rec.edgesPerPort,
  };
}

/** First difference between two observations, as the harness's gate wants it. */
export function firstDifference(
  expected: Observation,
  actual: Observation,
): { at: number; expected: string; actual: string } | null {
  const e = expected.deliveries;
  const a = actual.deliveries;
  const n = Math.max(e.length, a.length);
  for (let i = 0; i < n; i += 3) {
    if (e[i] !== a[i] || e[i + 1] !== a[i + 1] || e[i + 2] !== a[i + 2]) {
      const show = (d: number[]): string =>
        i < d.length
          ? `delivery #${i / 3}: vcpu ${d[i + 1]} port ${d[i + 2]} (in upcall op ${d[i]})`
          : `no delivery #${i / 3}`;
      return { at: Math.min(e[i] ?? Infinity, a[i] ?? Infinity), expected: show(e), actual: show(a) };
    }
  }
  return null;
}

/** The digest of a delivery sequence that stream.ts keeps while it is timed. */
export function deliveryDigest(deliveries: readonly number[]): number {
  let d = 0;
  for (let i = 0; i < deliveries.length; i += 3) d = digestStep(d, i / 3 + 1, deliveries[i + 1]!, deliveries[i + 2]!);
  return d;
}

/**
 * The k-th delivery (from 1) folded into the digest: the sum of (port·1024 + vcpu)·k modulo
 * 2^32. It depends on the order (two deliveries a, b swapped between positions i, j change it
 * by (a - b)(j - i), zero modulo 2^32 only for streams of millions of events with far-apart
 * ports), and its chain from one event to the next is one add, as the C anchor's handler's
 * `sum += port` is: a multiplicative hash would put a multiply's latency on every event.
 */
export function digestStep(d: number, k: number, vcpu: number, port: number): number {
  return (d + Math.imul(port * 1024 + vcpu, k)) | 0;
}
