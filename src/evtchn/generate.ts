// Seeded generators of the event-channel loads. The classic loads (a density of random
// sends and what happens between them) are here; the loads of whole guests and backends are
// in guests.ts. Each stands for a real situation (src/evtchn/README.md, "Loads"); every stream
// ends with every vCPU taking its upcall, so that every delivery owed has been made.
import { Rng } from '../harness/kit.js';
import { dom0, type Gen, open, rogue, single } from './guests.js';
import {
  Builder,
  type EvtchnLoad,
  type LoadShape,
  OP_BEGIN,
  OP_BIND,
  OP_DURING,
  OP_HOT,
  OP_MASK,
  OP_SEND,
  OP_UNMASK,
  OP_UPCALL,
} from './ops.js';

export function generate(shape: LoadShape, seed: number): EvtchnLoad {
  const rng = new Rng(seed);
  const b = new Builder();
  const g: Gen = {
    s: shape,
    rng,
    b,
    upcallAll: () => {
      for (let v = 0; v < shape.vcpus; v++) b.push(OP_UPCALL, 0, v);
    },
    randomPort: () => rng.range(1, shape.ports - 1),
  };
  switch (shape.kind) {
    case 'dom0':
      dom0(g);
      break;
    case 'single':
      single(g);
      break;
    case 'rogue':
    case 'rogue-lateeoi':
      rogue(g, shape.kind === 'rogue-lateeoi');
      break;
    case 'open':
      open(g);
      break;
    default:
      classic(g);
  }
  g.upcallAll(); // drain: every delivery owed is made by the end
  return b.build(shape.ports, shape.vcpus);
}

/** the loads that bind every port to a random vCPU and differ only in their sends */
function classic(g: Gen): void {
  const { s, rng, b } = g;
  const P = s.ports;
  const V = s.vcpus;
  const n = Math.max(1, Math.round(s.density * (P - 1)));
  const masked = new Uint8Array(P);
  if (V > 1) {
    for (let p = 1; p < P; p++) {
      const v = rng.int(V);
      if (v !== 0) b.push(OP_BIND, p, v);
    }
  }
  if (s.kind === 'churn') {
    for (let i = 0; i < Math.max(1, Math.round((P - 1) / 10)); i++) {
      const p = g.randomPort();
      if (!masked[p]) b.push(OP_MASK, p, 0);
      masked[p] = 1;
    }
  }
  b.push(OP_BEGIN, 0, 0);
  switch (s.kind) {
    case 'sparse':
      for (let r = 0; r < 4; r++) {
        for (let i = 0; i < n; i++) b.push(OP_SEND, g.randomPort(), 0);
        g.upcallAll();
      }
      break;
    case 'storm':
      // every port pending at once, twice (the second sweep starts from a moved cursor)
      for (let r = 0; r < 2; r++) {
        for (let p = 1; p < P; p++) b.push(OP_SEND, p, 0);
        g.upcallAll();
      }
      break;
    case 'burst':
      // runs of neighbouring ports; only one vCPU drains per round, so work piles up
      for (let r = 0; r < 8; r++) {
        const first = g.randomPort();
        for (let i = 0; i < n; i++) b.push(OP_SEND, 1 + ((first - 1 + i) % (P - 1)), 0);
        b.push(OP_UPCALL, 0, rng.int(V));
      }
      break;
    case 'hot':
      // one port re-raised from its own handler while the others wait their turn
      for (let r = 0; r < 2; r++) {
        const hot = g.randomPort();
        for (let i = 0; i < n; i++) b.push(OP_SEND, g.randomPort(), 0);
        b.push(OP_SEND, hot, 0);
        b.push(OP_HOT, hot, n);
        g.upcallAll();
      }
      break;
    case 'churn':
      for (let r = 0; r < 8; r++) {
        for (let i = 0; i < n; i++) {
          const p = g.randomPort();
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
    case 'during':
      // sends that arrive while a vCPU is in its scan, before and behind its cursor
      for (let r = 0; r < 4; r++) {
        for (let i = 0; i < n; i++) b.push(OP_SEND, g.randomPort(), 0);
        const ks: number[] = [];
        for (let i = 0; i < Math.max(1, n >> 2); i++) ks.push(1 + rng.int(Math.max(1, Math.ceil(n / V))));
        ks.sort((x, y) => x - y);
        for (const k of ks) b.push(OP_DURING, g.randomPort(), k);
        g.upcallAll();
      }
      break;
    case 'bulk':
      // many ports masked, made pending while masked, then unmasked in one sweep
      for (let r = 0; r < 4; r++) {
        const ports: number[] = [];
        for (let i = 0; i < n; i++) ports.push(g.randomPort());
        for (const p of ports) b.push(OP_MASK, p, 0);
        for (const p of ports) b.push(OP_SEND, p, 0);
        g.upcallAll();
        for (const p of ports) b.push(OP_UNMASK, p, 0);
        g.upcallAll();
      }
      break;
    case 'move':
      // pending ports moved to other vCPUs at scale (an irqbalance pass), each as Linux
      // does it: mask, EVTCHNOP_bind_vcpu, unmask (from vCPU 0)
      for (let r = 0; r < 4; r++) {
        const ports: number[] = [];
        for (let i = 0; i < n; i++) ports.push(g.randomPort());
        for (const p of ports) b.push(OP_SEND, p, 0);
        for (const p of ports) {
          b.push(OP_MASK, p, 0);
          b.push(OP_BIND, p, rng.int(V));
          b.push(OP_UNMASK, p, 0);
        }
        g.upcallAll();
      }
      break;
  }
}
