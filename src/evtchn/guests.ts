// The loads of whole guests and backends: dom0 serving many guests, a domU at rest, a rogue
// frontend (with and without lateeoi), devices coming and going at a port limit. Each vCPU
// has its timer VIRQ and an IPI, bound first, as Linux binds them at CPU bring-up.
import { Rng } from '../harness/kit.js';
import {
  type Builder,
  type LoadShape,
  OP_BEGIN,
  OP_BIND,
  OP_CLOSE,
  OP_EOI,
  OP_IPI,
  OP_LATEEOI,
  OP_MASK,
  OP_OPEN,
  OP_PRIORITY,
  OP_REFUSED,
  OP_SEND,
  OP_TIMER,
  OP_UPCALL,
} from './ops.js';

/** Linux sets the timer VIRQ to EVTCHN_FIFO_PRIORITY_MAX (arch/x86/xen/time.c: xen_setup_timer) */
const TIMER_PRIORITY = 0;
/** a guest's ports in its backend: console, xenstore, vif, vbd */
const PORTS_PER_GUEST = 4;
const VIF = 2;
const VBD = 3;
/** dom0's busy guests: the same ones whatever the number of ports */
const DOM0_ACTIVE = 32;

export interface Gen {
  readonly s: LoadShape;
  readonly rng: Rng;
  readonly b: Builder;
  /** every vCPU takes its upcall */
  upcallAll(): void;
  randomPort(): number;
}

/** vCPUs that have a timer and an IPI port (all of them unless the ports run out first) */
function timedVcpus(s: LoadShape): number {
  return Math.min(s.vcpus, (s.ports - 1) >>> 1);
}

/** Ports 1..2V: each vCPU's timer VIRQ (priority 0 for FIFO) and its reschedule IPI, bound
 *  first as Linux binds them at CPU bring-up. Returns the first free port. */
function perVcpuPorts(g: Gen): number {
  const nv = timedVcpus(g.s);
  for (let v = 0; v < nv; v++) {
    const timer = 1 + 2 * v;
    g.b.push(OP_TIMER, timer, v);
    g.b.push(OP_PRIORITY, timer, TIMER_PRIORITY);
    g.b.push(OP_IPI, timer + 1, v);
  }
  return 1 + 2 * nv;
}

/** dom0 as a backend: every guest's 4 ports bound, lowest ports first, across all the
 *  ports; a fixed set of busy guests among the first thousand, the rest idle. */
export function dom0(g: Gen): void {
  const { s, rng, b } = g;
  const V = s.vcpus;
  const first = perVcpuPorts(g);
  const guests = Math.floor((s.ports - first) / PORTS_PER_GUEST);
  const pick = Math.min(guests, 1000);
  const active: number[] = [];
  const isActive = new Uint8Array(pick);
  while (active.length < Math.min(DOM0_ACTIVE, pick)) {
    const x = rng.int(pick);
    if (!isActive[x]) {
      isActive[x] = 1;
      active.push(x);
    }
  }
  // the stream's own generator, drawn before the bindings: the same sends whatever the
  // number of ports bound
  const act = new Rng(rng.int(0x7fffffff));
  const portOf = (guest: number, which: number): number => first + guest * PORTS_PER_GUEST + which;
  if (V > 1) {
    for (let p = first; p < first + guests * PORTS_PER_GUEST; p++) {
      const v = rng.int(V);
      if (v !== 0) b.push(OP_BIND, p, v);
    }
  }
  b.push(OP_BEGIN, 0, 0);
  for (let r = 0; r < 16; r++) {
    for (const guest of active) {
      b.push(OP_SEND, portOf(guest, VIF), 0);
      if (act.chance(0.5)) b.push(OP_SEND, portOf(guest, VBD), 0);
    }
    if (guests > 0) b.push(OP_SEND, portOf(act.int(guests), 1), 0); // an idle guest's xenstore
    for (let v = 0; v < timedVcpus(s); v++) b.push(OP_SEND, 1 + 2 * v, 0); // the tick
    g.upcallAll();
  }
}

/** a domU at rest: each upcall finds its vCPU's timer, sometimes a device event or an IPI */
export function single(g: Gen): void {
  const { s, rng, b } = g;
  const V = s.vcpus;
  const first = perVcpuPorts(g);
  const devices = Math.min(PORTS_PER_GUEST, s.ports - first);
  const nv = timedVcpus(s);
  b.push(OP_BEGIN, 0, 0);
  for (let u = 0; u < 1000; u++) {
    const v = rng.int(V);
    if (v < nv) b.push(OP_SEND, 1 + 2 * v, 0);
    if (devices > 0 && rng.chance(0.25)) b.push(OP_SEND, first + rng.int(devices), 0);
    if (v < nv && V > 1 && rng.chance(0.1)) b.push(OP_SEND, 2 + 2 * v, 0);
    b.push(OP_UPCALL, 0, v);
  }
}

/** one frontend sends without pause to its backend port, the other guests now and then;
 *  with lateeoi the backend acks by masking and its thread unmasks (EOI) every 8 steps */
export function rogue(g: Gen, lateeoi: boolean): void {
  const { s, rng, b } = g;
  const V = s.vcpus;
  const first = perVcpuPorts(g);
  const guests = Math.min(16, Math.floor((s.ports - first) / PORTS_PER_GUEST));
  const last = first + guests * PORTS_PER_GUEST;
  const boundTo = new Int32Array(s.ports);
  for (let p = first; p < last; p++) {
    const v = rng.int(V);
    boundTo[p] = v;
    if (v !== 0) b.push(OP_BIND, p, v);
    if (lateeoi) b.push(OP_LATEEOI, p, 0);
  }
  b.push(OP_BEGIN, 0, 0);
  const rogue = guests > 0 ? first + VIF : s.ports - 1;
  const sent = new Uint8Array(s.ports);
  const eoi = (): void => {
    for (let p = first; p < last; p++) {
      if (sent[p]) b.push(OP_EOI, p, boundTo[p]!);
      sent[p] = 0;
    }
  };
  for (let step = 0; step < 2000; step++) {
    b.push(OP_SEND, rogue, 0);
    sent[rogue] = 1;
    if (guests > 0 && rng.chance(0.05)) {
      const p = first + rng.int(last - first);
      b.push(OP_SEND, p, 0);
      sent[p] = 1;
    }
    if (rng.chance(0.5)) b.push(OP_UPCALL, 0, boundTo[rogue]!);
    if (lateeoi && step % 8 === 7) eoi();
  }
  g.upcallAll();
  if (lateeoi) eoi();
}

/** devices come and go (4 ports each, the lowest free port first, up to the domain's
 *  limit): sends, whole devices closed (masked first), a drain, then more devices than were
 *  closed, so that the limit is reached half-way and later allocations are refused with
 *  -ENOSPC (Xen get_free_port) */
export function open(g: Gen): void {
  const { s, rng, b } = g;
  const V = s.vcpus;
  const first = perVcpuPorts(g);
  const limit = s.limit ?? s.ports - 1;
  const used = new Uint8Array(Math.max(first, limit + 1));
  for (let p = 1; p < first; p++) used[p] = 1;
  const live: number[] = []; // ports of live devices, PORTS_PER_GUEST consecutive entries each
  let lowestFree = first; // no port below it is free
  const device = (): void => {
    const v = rng.int(V);
    const at = live.length;
    for (let i = 0; i < PORTS_PER_GUEST; i++) {
      let p = lowestFree;
      while (p <= limit && used[p]) p++;
      lowestFree = p;
      if (p > limit) {
        b.push(OP_REFUSED, limit, 0);
        continue;
      }
      used[p] = 1;
      live.push(p);
      b.push(OP_OPEN, p, v);
    }
    // a device short of ports is given up: what it got is closed again
    if (live.length - at < PORTS_PER_GUEST) {
      for (const p of live.splice(at)) close(p);
    }
  };
  const close = (p: number): void => {
    used[p] = 0;
    if (p < lowestFree) lowestFree = p;
    b.push(OP_MASK, p, 0);
    b.push(OP_CLOSE, p, 0);
  };
  const start = Math.floor((0.75 * (limit - first + 1)) / PORTS_PER_GUEST);
  const closing = Math.max(1, start >> 4);
  const room = Math.floor((limit - first + 1) / PORTS_PER_GUEST) - start;
  const growth = Math.max(1, Math.ceil(room / 6));
  b.push(OP_BEGIN, 0, 0);
  for (let d = 0; d < start; d++) device();
  for (let r = 0; r < 12; r++) {
    for (let i = 0; i < 32 && live.length > 0; i++) b.push(OP_SEND, live[rng.int(live.length)]!, 0);
    g.upcallAll();
    for (let c = 0; c < closing && live.length > 0; c++) {
      const at = PORTS_PER_GUEST * rng.int(live.length / PORTS_PER_GUEST);
      for (const p of live.splice(at, PORTS_PER_GUEST)) close(p);
    }
    g.upcallAll(); // a closed port still queued (FIFO) is consumed before the port is reused
    for (let d = 0; d < closing + growth; d++) device();
  }
}
