// An operation stream for the event-channel models: three parallel typed arrays (op code,
// port, argument), so that replaying it allocates nothing and dispatches on a small integer.
// It starts with a prologue (bindings, timers, initial masks) ended by a `begin` marker.
// This file holds the ops, the case's load shape and the check that refuses what Xen would
// refuse; the seeded generators are in generate.ts, the CSV codec in load.ts.
import type { Params } from '../harness/kit.js';

export const OP_SEND = 0; // port: hypervisor set_pending (EVTCHNOP_send)
export const OP_MASK = 1; // port: the guest masks
/** port, arg = the vCPU the guest unmasks on (Linux unmask_evtchn) */
export const OP_UNMASK = 2;
export const OP_BIND = 3; // port, arg = vCPU (EVTCHNOP_bind_vcpu)
export const OP_UPCALL = 4; // arg = vCPU takes its upcall
/** port, arg = count: from now on the handler re-raises `port` each time it is delivered,
 *  `count` more times — the hot port of the fairness load */
export const OP_HOT = 5;
/** end of the prologue */
export const OP_BEGIN = 6;
/** port, arg = vCPU: bind_virq(VIRQ_TIMER, vcpu) — a per-vCPU port that cannot be rebound */
export const OP_TIMER = 7;
/** port, arg = vCPU: bind_ipi — a per-vCPU port that cannot be rebound */
export const OP_IPI = 8;
/** port, arg = priority: EVTCHNOP_set_priority */
export const OP_PRIORITY = 9;
/** port: EVTCHNOP_close (Linux masks first) */
export const OP_CLOSE = 10;
/** port, arg = vCPU: the lowest free port, allocated (EVTCHNOP_alloc_unbound or a bind),
 *  bound to the vCPU and unmasked when the driver starts it */
export const OP_OPEN = 11;
/** port: from now on its driver acks with mask-until-EOI (Linux lateeoi_ack_dynirq) */
export const OP_LATEEOI = 12;
/** port, arg = vCPU: the backend's xen_irq_lateeoi: unmask the port if its ack masked it */
export const OP_EOI = 13;
/** port, arg = k: during the next upcall, Xen sends `port` after the k-th event delivered */
export const OP_DURING = 14;
/** port: an allocation refused with -ENOSPC (the port it would have needed is past the
 *  domain's limit); no effect, counted */
export const OP_REFUSED = 15;

export const OP_NAMES = [
  'send',
  'mask',
  'unmask',
  'bind',
  'upcall',
  'hot',
  'begin',
  'timer',
  'ipi',
  'priority',
  'close',
  'open',
  'lateeoi',
  'eoi',
  'during',
  'refused',
] as const;

export const LOAD_KINDS = [
  'sparse',
  'storm',
  'burst',
  'hot',
  'churn',
  'dom0',
  'single',
  'rogue',
  'rogue-lateeoi',
  'during',
  'open',
  'bulk',
  'move',
] as const;
export type LoadKind = (typeof LOAD_KINDS)[number];

export interface EvtchnLoad {
  readonly ports: number;
  readonly vcpus: number;
  readonly length: number;
  readonly op: Uint8Array;
  readonly port: Int32Array;
  readonly arg: Int32Array;
}

/** Index of the load's `begin` op, which ends its untimed prologue (load.length if none). */
export function beginOf(load: EvtchnLoad): number {
  let i = 0;
  while (i < load.length && load.op[i] !== OP_BEGIN) i++;
  return i;
}

export interface LoadShape {
  readonly kind: LoadKind;
  /** ports in use are 1..ports-1 */
  readonly ports: number;
  /** fraction of the ports sent per round */
  readonly density: number;
  readonly vcpus: number;
  /** the domain's highest port (Xen max_evtchn_port; xl's default for a domU is 1023) */
  readonly limit?: number;
}

export class Builder {
  readonly op: number[] = [];
  readonly port: number[] = [];
  readonly arg: number[] = [];
  push(op: number, port: number, arg: number): void {
    this.op.push(op);
    this.port.push(port);
    this.arg.push(arg);
  }
  build(ports: number, vcpus: number): EvtchnLoad {
    return {
      ports,
      vcpus,
      length: this.op.length,
      op: Uint8Array.from(this.op),
      port: Int32Array.from(this.port),
      arg: Int32Array.from(this.arg),
    };
  }
}

export function shapeOf(params: Params): LoadShape {
  const kind = String(params['load'] ?? 'sparse');
  if (!(LOAD_KINDS as readonly string[]).includes(kind)) {
    throw new RangeError(`evtchn: unknown load '${kind}' (valid: ${LOAD_KINDS.join(', ')})`);
  }
  const ports = Number(params['ports']);
  const density = Number(params['density'] ?? 0.01);
  const vcpus = Number(params['vcpus'] ?? 1);
  if (!Number.isInteger(ports) || ports < 2)
    throw new RangeError(`evtchn: ports must be an integer >= 2, got ${params['ports']}`);
  if (!(density > 0 && density <= 1))
    throw new RangeError(`evtchn: density must be in (0, 1], got ${params['density']}`);
  if (!Number.isInteger(vcpus) || vcpus < 1)
    throw new RangeError(`evtchn: vcpus must be a positive integer, got ${params['vcpus']}`);
  const limit = Number(params['limit'] ?? ports - 1);
  if (!Number.isInteger(limit) || limit < 1 || limit > ports - 1) {
    throw new RangeError(`evtchn: limit must be an integer in 1..ports-1 (${ports - 1}), got ${params['limit']}`);
  }
  return { kind: kind as LoadKind, ports, density, vcpus, limit };
}

/** Refuses a stream Xen or Linux would refuse, naming the operation (row is 1-based). */
export function checkLoad(load: EvtchnLoad): void {
  const perVcpu = new Uint8Array(load.ports); // 1: a timer or IPI port
  for (let i = 0; i < load.length; i++) {
    const op = load.op[i]!;
    const port = load.port[i]!;
    const arg = load.arg[i]!;
    const row = `evtchn load row ${i + 1} (${OP_NAMES[op]} ${port} ${arg})`;
    if (op === OP_BIND && perVcpu[port]) {
      throw new RangeError(
        `${row}: port ${port} is a per-vCPU VIRQ or IPI port, which Xen refuses to rebind (evtchn_bind_vcpu returns -EINVAL); only interdomain, unbound and global VIRQ ports move`,
      );
    }
    if (op === OP_TIMER || op === OP_IPI) perVcpu[port] = 1;
    if (op === OP_CLOSE && perVcpu[port]) {
      throw new RangeError(`${row}: the loads never close a per-vCPU VIRQ or IPI port`);
    }
    if (
      (op === OP_BIND || op === OP_UPCALL || op === OP_TIMER || op === OP_IPI || op === OP_OPEN) &&
      arg >= load.vcpus
    ) {
      throw new RangeError(`${row}: vCPU ${arg} but vcpus=${load.vcpus}`);
    }
    if ((op === OP_UNMASK || op === OP_EOI) && arg >= load.vcpus) {
      throw new RangeError(`${row}: unmasked on vCPU ${arg} but vcpus=${load.vcpus}`);
    }
    if (op === OP_PRIORITY && arg > 15) throw new RangeError(`${row}: priority ${arg} is not in 0..15`);
  }
}
