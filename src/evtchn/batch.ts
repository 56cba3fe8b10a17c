// The timed batch derived from a load: the prologue (bindings, masks) applied once, then
// every send of the stream made pending at once, then each vCPU takes its upcall. Timing
// re-arms this state untimed before every sample, so each sample does the same work.
import type { EventHandler, EvtchnPortOps } from './abi.js';
import { OP_BEGIN, OP_BIND, OP_HOT, OP_MASK, OP_SEND, OP_UNMASK, type EvtchnLoad } from './load.js';

export interface Batch {
  /** ports of every send in the stream, in order (repeats coalesce, as they would) */
  readonly sends: Int32Array;
  readonly hotPort: number;
  readonly hotCount: number;
}

export function batchOf(load: EvtchnLoad): Batch {
  const sends: number[] = [];
  let hotPort = -1;
  let hotCount = 0;
  for (let i = 0; i < load.length; i++) {
    if (load.op[i] === OP_SEND) sends.push(load.port[i]!);
    else if (load.op[i] === OP_HOT && hotPort < 0) {
      hotPort = load.port[i]!;
      hotCount = load.arg[i]!;
    }
  }
  return { sends: Int32Array.from(sends), hotPort, hotCount };
}

/** Applies the operations before the `begin` marker. */
export function applyPrologue(abi: EvtchnPortOps, load: EvtchnLoad): void {
  for (let i = 0; i < load.length; i++) {
    const op = load.op[i];
    if (op === OP_BEGIN) return;
    if (op === OP_BIND) abi.bind(load.port[i]!, load.arg[i]!);
    else if (op === OP_MASK) abi.mask(load.port[i]!);
    else if (op === OP_UNMASK) abi.unmask(load.port[i]!);
  }
}

/** The handler used while timing: a driver that does nothing but re-raise the hot port. */
export class BatchHandler implements EventHandler {
  hotLeft = 0;
  constructor(
    private readonly abi: EvtchnPortOps,
    private readonly hotPort: number,
  ) {}
  handle(_vcpu: number, port: number): void {
    if (port === this.hotPort && this.hotLeft > 0) {
      this.hotLeft--;
      this.abi.setPending(port);
    }
  }
}

/** Untimed: clears pending state and makes every send of the batch pending. */
export function armBatch(abi: EvtchnPortOps, batch: Batch, handler: BatchHandler): void {
  abi.resetPending();
  const sends = batch.sends;
  for (let i = 0; i < sends.length; i++) abi.setPending(sends[i]!);
  handler.hotLeft = batch.hotCount;
}

/** Timed: every vCPU takes its upcall. Returns events delivered. */
export function deliverBatch(abi: EvtchnPortOps, handler: BatchHandler): number {
  let delivered = 0;
  for (let v = 0; v < abi.vcpus; v++) delivered += abi.upcall(v, handler);
  return delivered;
}

/** Timed: the hypervisor side alone, every send of the batch on a quiet guest. */
export function sendBatch(abi: EvtchnPortOps, batch: Batch): number {
  const sends = batch.sends;
  for (let i = 0; i < sends.length; i++) abi.setPending(sends[i]!);
  return sends.length;
}
