// Seeded operation streams for the event-channel models. A stream is three parallel typed
// arrays (op code, port, argument) so that replaying it allocates nothing. It starts with a
// prologue (bindings, initial masks) ended by a `begin` marker; timing re-applies the
// prologue and the stream's sends as a batch (see batch.ts).
import type { LoadCodec, LoadRow, Params } from '../harness/suite.js';
import { Rng } from '../harness/rng.js';

export const OP_SEND = 0; // port: hypervisor set_pending (EVTCHNOP_send)
export const OP_MASK = 1; // port
export const OP_UNMASK = 2; // port: EVTCHNOP_unmask
export const OP_BIND = 3; // port, arg = vCPU
export const OP_UPCALL = 4; // arg = vCPU takes its upcall
/** port, arg = count: from now on the handler re-raises `port` each time it is delivered,
 *  `count` more times — the hot port of the fairness load */
export const OP_HOT = 5;
/** end of the prologue */
export const OP_BEGIN = 6;

export const OP_NAMES = ['send', 'mask', 'unmask', 'bind', 'upcall', 'hot', 'begin'] as const;

export const LOAD_KINDS = ['sparse', 'storm', 'burst', 'hot', 'churn'] as const;
export type LoadKind = (typeof LOAD_KINDS)[number];

export interface EvtchnLoad {
  readonly ports: number;
  readonly vcpus: number;
  readonly length: number;
  readonly op: Uint8Array;
  readonly port: Int32Array;
  readonly arg: Int32Array;
}

export interface LoadShape {
  readonly kind: LoadKind;
  /** ports in use are 1..ports-1 */
  readonly ports: number;
  /** fraction of the ports sent per round */
  readonly density: number;
  readonly vcpus: number;
}

class Builder {
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
  return { kind: kind as LoadKind, ports, density, vcpus };
}

export function generate(shape: LoadShape, seed: number): EvtchnLoad {
  const rng = new Rng(seed);
  const { ports: P, vcpus: V } = shape;
  const n = Math.max(1, Math.round(shape.density * (P - 1)));
  const randomPort = (): number => rng.range(1, P - 1);
  const b = new Builder();
  const masked = new Uint8Array(P);
  const boundTo = new Int32Array(P);

  // prologue: ports spread over the vCPUs; churn starts with a tenth of them masked
  if (V > 1) {
    for (let p = 1; p < P; p++) {
      const v = rng.int(V);
      if (v !== 0) b.push(OP_BIND, p, v);
      boundTo[p] = v;
    }
  }
  if (shape.kind === 'churn') {
    for (let i = 0; i < Math.max(1, Math.round((P - 1) / 10)); i++) {
      const p = randomPort();
      if (!masked[p]) b.push(OP_MASK, p, 0);
      masked[p] = 1;
    }
  }
  b.push(OP_BEGIN, 0, 0);

  const upcallAll = (): void => {
    for (let v = 0; v < V; v++) b.push(OP_UPCALL, 0, v);
  };

  switch (shape.kind) {
    case 'sparse':
      for (let r = 0; r < 4; r++) {
        for (let i = 0; i < n; i++) b.push(OP_SEND, randomPort(), 0);
        upcallAll();
      }
      break;
    case 'storm':
      // every port pending at once, twice (the second sweep starts from a moved cursor)
      for (let r = 0; r < 2; r++) {
        for (let p = 1; p < P; p++) b.push(OP_SEND, p, 0);
        upcallAll();
      }
      break;
    case 'burst':
      // runs of neighbouring ports; only one vCPU drains per round, so work piles up
      for (let r = 0; r < 8; r++) {
        const first = randomPort();
        for (let i = 0; i < n; i++) b.push(OP_SEND, 1 + ((first - 1 + i) % (P - 1)), 0);
        b.push(OP_UPCALL, 0, rng.int(V));
      }
      break;
    case 'hot':
      // one port re-raised from its own handler while the others wait their turn
      for (let r = 0; r < 2; r++) {
        const hot = randomPort();
        for (let i = 0; i < n; i++) b.push(OP_SEND, randomPort(), 0);
        b.push(OP_SEND, hot, 0);
        b.push(OP_HOT, hot, n);
        upcallAll();
      }
      break;
    case 'churn':
      for (let r = 0; r < 8; r++) {
        for (let i = 0; i < n; i++) {
          const p = randomPort();
          switch (rng.int(8)) {
            case 0:
              b.push(OP_MASK, p, 0);
              masked[p] = 1;
              break;
            case 1:
              b.push(OP_UNMASK, p, 0);
              masked[p] = 0;
              break;
            case 2: {
              // Linux rebinds with the port masked, and unmasks after: the unmask re-delivers
              const v = rng.int(V);
              if (!masked[p]) b.push(OP_MASK, p, 0);
              b.push(OP_BIND, p, v);
              boundTo[p] = v;
              if (!masked[p]) b.push(OP_UNMASK, p, 0);
              break;
            }
            default:
              b.push(OP_SEND, p, 0);
          }
        }
        b.push(OP_UPCALL, 0, rng.int(V));
      }
      for (let p = 1; p < P; p++) if (masked[p]) b.push(OP_UNMASK, p, 0);
      break;
  }
  upcallAll(); // drain: every delivery owed is made by the end
  return b.build(P, V);
}

export function toRows(load: EvtchnLoad): LoadRow[] {
  const rows: LoadRow[] = [];
  for (let i = 0; i < load.length; i++) {
    rows.push({ op: OP_NAMES[load.op[i]!]!, port: load.port[i]!, arg: load.arg[i]! });
  }
  return rows;
}

export function fromRows(rows: ReadonlyArray<Readonly<Record<string, string>>>, params: Params): EvtchnLoad {
  const shape = shapeOf(params);
  const b = new Builder();
  rows.forEach((row, i) => {
    const op = (OP_NAMES as readonly string[]).indexOf(String(row['op']));
    if (op < 0)
      throw new RangeError(`evtchn load row ${i + 1}: unknown op '${row['op']}' (valid: ${OP_NAMES.join(', ')})`);
    const port = Number(row['port']);
    const arg = Number(row['arg']);
    if (!Number.isInteger(port) || port < 0 || port >= shape.ports) {
      throw new RangeError(
        `evtchn load row ${i + 1}: port ${row['port']} outside 1..${shape.ports - 1} (ports=${shape.ports})`,
      );
    }
    if (!Number.isInteger(arg) || arg < 0) throw new RangeError(`evtchn load row ${i + 1}: bad arg '${row['arg']}'`);
    if ((op === OP_BIND || op === OP_UPCALL) && arg >= shape.vcpus) {
      throw new RangeError(`evtchn load row ${i + 1}: vCPU ${arg} but vcpus=${shape.vcpus}`);
    }
    b.push(op, port, arg);
  });
  return b.build(shape.ports, shape.vcpus);
}

export const evtchnLoad: LoadCodec<EvtchnLoad> = {
  name: 'evtchn-ops',
  version: 1,
  generate: (params, seed) => generate(shapeOf(params), seed),
  toRows,
  fromRows,
};
