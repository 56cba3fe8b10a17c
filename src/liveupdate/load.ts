// The liveupdate suite's case parameters and its seeded load: the guest's page-table shape
// (shape.ts), the vCPUs' %cr3 / %rip / %rsp, the events sent while the guest is paused, and
// the guest's first operations after resume (accesses with a working set of hot processes,
// and mmu_update requests to map a frame writable, each of which the old Xen decided).
import { type LoadCodec, type LoadRow, type Params, Rng } from '../harness/kit.js';
import { buildShape, FRAMES_PER_GIB, type Shape } from './shape.js';

export type PageInfoLayout = 'same' | 'grown';

export interface Case {
  readonly gib: number;
  readonly frames: number;
  readonly procs: number;
  readonly vcpus: number;
  /** does the new Xen's struct page_info have the old one's size (in place) or not (copy)? */
  readonly pageinfo: PageInfoLayout;
}

/** event channels bound to the guest's vCPUs (its devices and IPIs), and the send rate */
export const EVENT_PORTS = 32;
/** one event is sent every this many units of blackout work */
export const SEND_INTERVAL = 4096;
/** a probe (an mmu_update asking for a writable mapping) every this many operations */
export const PROBE_EVERY = 16;
export const OPS_BASE = 2048;
export const OPS_PER_PROC = 4;

export interface LiveUpdateLoad {
  readonly c: Case;
  readonly seed: number;
  readonly shape: Shape;
  readonly cr3: Int32Array;
  /** per vCPU: the L1 mapping its %rip (kernel text) and its %rsp (its process's stack) */
  readonly ripL1: Int32Array;
  readonly rspL1: Int32Array;
  /** after resume: op >= 0 touches the L1 table in frame op; op < 0 asks to map frame -op-1 writable */
  readonly ops: Int32Array;
  /** events: the k-th send (at blackout tick sendPhase + k * SEND_INTERVAL) goes to sendPorts[k % length] */
  readonly sendPhase: number;
  readonly sendPorts: Int32Array;
}

function num(params: Params, key: string, what: string): number {
  const v = Number(params[key]);
  if (!Number.isFinite(v)) throw new RangeError(`liveupdate: ${key} must be ${what}, got '${String(params[key])}'`);
  return v;
}

export function caseParams(params: Params): Case {
  const gib = num(params, 'gib', 'a size in GiB (1/64 .. 64)');
  const frames = Math.round(gib * FRAMES_PER_GIB);
  if (!(gib >= 1 / 64 && gib <= 64) || frames !== gib * FRAMES_PER_GIB) {
    throw new RangeError(`liveupdate: gib must be a multiple of 4 KiB between 1/64 and 64 (materialised), got ${gib}`);
  }
  const procs = num(params, 'procs', 'a process count');
  if (!Number.isInteger(procs) || procs < 1 || procs > 10000) {
    throw new RangeError(`liveupdate: procs must be an integer in 1..10000, got ${procs}`);
  }
  const vcpus = num(params, 'vcpus', 'a vCPU count');
  if (!Number.isInteger(vcpus) || vcpus < 1 || vcpus > Math.min(64, procs)) {
    throw new RangeError(`liveupdate: vcpus must be an integer in 1..min(64, procs=${procs}), got ${vcpus}`);
  }
  const pageinfo = String(params['pageinfo']);
  if (pageinfo !== 'same' && pageinfo !== 'grown') {
    throw new RangeError(
      `liveupdate: pageinfo must be 'same' (transform in place) or 'grown' (copy), got '${pageinfo}'`,
    );
  }
  return { gib, frames, procs, vcpus, pageinfo };
}

export function generate(params: Params, seed: number): LiveUpdateLoad {
  const c = caseParams(params);
  const rng = new Rng(seed);
  const shape = buildShape(c.frames, c.procs, rng);
  // the running processes: vcpus distinct ones
  const order = new Int32Array(c.procs);
  for (let i = 0; i < c.procs; i++) order[i] = i + 1;
  for (let i = c.procs - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
  }
  const cr3 = new Int32Array(c.vcpus);
  const ripL1 = new Int32Array(c.vcpus);
  const rspL1 = new Int32Array(c.vcpus);
  for (let v = 0; v < c.vcpus; v++) {
    const p = order[v]!;
    cr3[v] = shape.l4[p]!;
    ripL1[v] = shape.textL1[0]!;
    const l1s = shape.procL1[p]!;
    rspL1[v] = l1s[l1s.length - 1]!;
  }
  // the working set: the running processes and a tenth of the others are hot (90 % of accesses)
  const hot = order.slice(0, Math.max(c.vcpus, Math.ceil(c.procs / 10)));
  const n = OPS_BASE + OPS_PER_PROC * c.procs;
  const ops = new Int32Array(n);
  const tables = shape.mem.frameOf;
  for (let i = 0; i < n; i++) {
    if (i % PROBE_EVERY === PROBE_EVERY - 1) {
      const kind = ((i / PROBE_EVERY) % 3) | 0;
      const f =
        kind === 0
          ? tables[rng.int(tables.length)]!
          : kind === 1
            ? shape.shm[rng.int(shape.shm.length)]!
            : rng.int(c.frames);
      ops[i] = -f - 1;
      continue;
    }
    const p = rng.chance(0.9) ? hot[rng.int(hot.length)]! : 1 + rng.int(c.procs);
    const l1s = shape.procL1[p]!;
    ops[i] = l1s[rng.int(l1s.length)]!;
  }
  const sendPorts = new Int32Array(256);
  for (let k = 0; k < sendPorts.length; k++) sendPorts[k] = 1 + rng.int(EVENT_PORTS);
  return { c, seed, shape, cr3, ripL1, rspL1, ops, sendPhase: rng.int(SEND_INTERVAL), sendPorts };
}

// --dump-load writes the seed that drew the page-table shape (millions of entries at 1 GiB),
// then the operations and event ports, which a user may edit and replay with --load.
function toRows(load: LiveUpdateLoad): LoadRow[] {
  const rows: LoadRow[] = [{ kind: 'shape', value: load.seed }];
  rows.push({ kind: 'phase', value: load.sendPhase });
  for (const p of load.sendPorts) rows.push({ kind: 'send', value: p });
  for (const op of load.ops) rows.push(op >= 0 ? { kind: 'access', value: op } : { kind: 'probe', value: -op - 1 });
  return rows;
}

function fromRows(rows: ReadonlyArray<Readonly<Record<string, string>>>, params: Params): LiveUpdateLoad {
  const head = rows[0];
  if (head?.['kind'] !== 'shape')
    throw new Error("liveupdate load: the first row must be kind=shape with the shape's seed");
  const base = generate(params, Number(head['value']));
  const ops: number[] = [];
  const ports: number[] = [];
  let phase = base.sendPhase;
  rows.slice(1).forEach((r, i) => {
    const v = Number(r['value']);
    const k = r['kind'];
    const bad = (what: string) => new Error(`liveupdate load row ${i + 1}: ${what}, got '${r['value']}'`);
    if (!Number.isInteger(v) || v < 0) throw bad('value must be a non-negative integer');
    if (k === 'phase') phase = v;
    else if (k === 'send') {
      if (v < 1 || v > EVENT_PORTS) throw bad(`a send's port must be in 1..${EVENT_PORTS}`);
      ports.push(v);
    } else if (k === 'access') {
      if (
        v >= base.c.frames ||
        base.shape.mem.tableOf[v] === -1 ||
        base.shape.mem.level[base.shape.mem.tableOf[v]!] !== 1
      )
        throw bad('an access names the frame of an L1 table');
      ops.push(v);
    } else if (k === 'probe') {
      if (v >= base.c.frames) throw bad(`a probe names a frame below ${base.c.frames}`);
      ops.push(-v - 1);
    } else throw new Error(`liveupdate load row ${i + 1}: kind must be phase, send, access or probe, got '${k}'`);
  });
  if (ports.length === 0) throw new Error('liveupdate load: at least one send row is needed');
  return { ...base, ops: Int32Array.from(ops), sendPhase: phase, sendPorts: Int32Array.from(ports) };
}

export const codec: LoadCodec<LiveUpdateLoad> = { name: 'liveupdate-pv', version: 1, generate, toRows, fromRows };
