// What the evtchn suite computes for one (variant, case): the gate against the reference of
// the variant's family, the exact counters of the case's stream, and the timed replay of
// that stream. bench/evtchn.ts only declares the suite; this file is handed the variant's
// module, never its name.
import { type Counter, type Params, type Preparation, type Timed, unsupported } from '../harness/kit.js';
import {
  type EvtchnConfig,
  type EvtchnStreamOps,
  type EvtchnVariant,
  WORK_BYTES_READ,
  WORK_GUEST_LOCKED,
  WORK_QUEUE_LOCKS,
  WORK_SEND_RMW,
  WORK_TIMER_FIRST,
  WORK_UNMASK_HYPERCALLS,
  WORK_UPCALLS,
  WORK_XCHG,
} from './abi.js';
import { caseOf } from './case.js';
import { hostLimits, type MigrateBy, migrateStream, type NewHost } from './migration.js';
import { beginOf, type EvtchnLoad, OP_NAMES, OP_REFUSED, OP_SEND, OP_UPCALL } from './ops.js';
import { BitmapReference } from './reference.js';
import { FifoReference } from './reference-fifo.js';
import { deliveryDigest, firstDifference, type Observation, replay } from './replay.js';
import { StreamReplay } from './stream.js';

/** The reference that judges a variant: FIFO's lists, or the bitmap rules at the depth the
 *  variant itself builds (2-level is 2 deep whatever the case's depth says). */
export function referenceFor(variant: EvtchnVariant, config: EvtchnConfig): EvtchnStreamOps {
  if (variant.family === 'fifo') return new FifoReference(config);
  return new BitmapReference({ ...config, depth: variant.levels(config) });
}

/** What the stream after its prologue is made of, for the timed row's detail. */
export function describeStream(load: EvtchnLoad): string {
  const counts = new Array<number>(OP_NAMES.length).fill(0);
  const first = beginOf(load) + 1;
  for (let i = first; i < load.length; i++) counts[load.op[i]!]!++;
  const parts = OP_NAMES.map((name, op) => (counts[op]! > 0 ? `${counts[op]} ${name}` : '')).filter((x) => x);
  return `${load.length - first} operations (${parts.join(', ')})`;
}

const per = (a: number, b: number): number => (b > 0 ? a / b : 0);

/** a sample delivers at least this many events, on up to MAX_COPIES guests (timed()) */
const COPY_EVENTS = 256;
const MAX_COPIES = 32;

/** The timed stream's empty twin: read and dispatch every operation, do nothing with it. */
function walkOps(load: EvtchnLoad, from: number, to: number): number {
  const op = load.op;
  const port = load.port;
  let acc = 0;
  for (let i = from; i < to; i++) {
    switch (op[i]) {
      case OP_SEND: {
        // a run of sends, read as the replay reads it (one dispatch per run)
        let j = i;
        do acc += port[j++]!;
        while (j < to && op[j] === OP_SEND);
        i = j - 1;
        break;
      }
      case OP_UPCALL:
        acc ^= port[i]!;
        break;
      default:
        acc -= port[i]!;
    }
  }
  return acc | 0;
}

/** What a timed replay delivered: its count and the digest of the delivery order. */
export interface Delivered {
  readonly delivered: number;
  readonly digest: number;
}

/** The gate's check of the timed model (createTimed) before anything is timed: its replay
 *  of the stream after the prologue must deliver what the counted model was seen to deliver
 *  there (the same count, and the same ports on the same vCPUs in the same order), so that a
 *  bug in the timed path is a gate failure, never a timing. */
export function timedDifference(
  observed: Observation,
  load: EvtchnLoad,
  timed: Delivered,
): { at: number; expected: string; actual: string } | null {
  const begin = beginOf(load);
  const d = observed.deliveries;
  let first = 0;
  while (first < d.length && d[first]! <= begin) first += 3;
  const after = d.slice(first);
  const expected = { delivered: after.length / 3, digest: deliveryDigest(after) };
  if (timed.delivered === expected.delivered && timed.digest === expected.digest) return null;
  const show = (x: Delivered) => `${x.delivered} deliveries, digest ${x.digest >>> 0}`;
  return {
    at: Math.min(load.length - 1, begin + 1),
    expected: `the timed model to deliver what the counted one did: ${show(expected)}`,
    actual: `the timed model delivered ${show(timed)}`,
  };
}

/** Xen allocates struct evtchn in buckets of a page, 64 ports each (the struct is padded to
 *  64 bytes); the dump walks port 1 up to the end of the last bucket, with the event lock
 *  held throughout (xen/common/event_channel.c: domain_dump_evtchn_info). */
const EVTCHNS_PER_BUCKET = 64;

export function dumpPorts(load: EvtchnLoad): number {
  let highest = 0;
  for (let i = 0; i < load.length; i++) if (load.port[i]! > highest) highest = load.port[i]!;
  return Math.ceil((highest + 1) / EVTCHNS_PER_BUCKET) * EVTCHNS_PER_BUCKET - 1;
}

/** The stream with a migration half-way, on a fresh model. */
function migrated(variant: EvtchnVariant, config: EvtchnConfig, load: EvtchnLoad, by: MigrateBy, host: NewHost) {
  const probe = new StreamReplay(variant.create(config), load);
  return migrateStream(variant.create(config), load, probe.middle, by, hostLimits(host, config));
}

/** The counters of a case that names who sets the extension up again and on what host. */
function migrationCounters(
  variant: EvtchnVariant,
  config: EvtchnConfig,
  load: EvtchnLoad,
  migration: { by: MigrateBy; host: NewHost },
  events: number,
): Counter[] {
  const m = migrated(variant, config, load, migration.by, migration.host);
  const who = migration.by === 'guest' ? 'the guest after it resumes' : 'the toolstack before the guest runs';
  return [
    {
      metric: 'migrate_hypercalls',
      unit: 'hypercalls',
      value: m.hypercalls,
      detail: `registration hypercalls on the new host (host=${migration.host}) by ${who}, a refused one included`,
    },
    { metric: 'migrate_pages', unit: 'pages', value: m.pages, detail: 'guest frames registered on the new host' },
    {
      metric: 'migrate_lost',
      unit: 'events',
      value: events - m.delivered,
      detail: 'events the stream without a migration delivers that this one does not (a panic loses the rest)',
    },
    {
      metric: 'migrate_panic',
      unit: 'guests',
      value: m.outcome === 'panic' ? 1 : 0,
      detail: 'the guest panicked on the new host',
    },
    {
      metric: 'migrate_aborted',
      unit: 'migrations',
      value: m.outcome === 'stayed' ? 1 : 0,
      detail: 'the migration failed and the guest went on running on the old host',
    },
  ];
}

export function prepare(variant: EvtchnVariant, params: Params, load: EvtchnLoad): Preparation {
  const { config, migration } = caseOf(params);
  const capacity = variant.capacity(config);
  if (config.ports > capacity) {
    return unsupported(
      `${variant.name} addresses ${capacity} ports (abi=${config.wordBits}); the case needs ${config.ports}`,
    );
  }
  // the variant's own observation of the whole stream, kept from the gate for worst_wait
  let observed: Observation | undefined;
  // the timed model's replay: checked by the gate, then timed
  let timedStream: StreamReplay | undefined;
  const timedReplay = (): StreamReplay => {
    timedStream ??= new StreamReplay(variant.createTimed(config), load);
    return timedStream;
  };

  return {
    gate() {
      const expected = replay(referenceFor(variant, config), load);
      const actual = replay(variant.create(config), load);
      observed = actual;
      const diff = firstDifference(expected, actual);
      if (diff) return { ok: false, ...diff };
      const stream = timedReplay();
      stream.reset();
      stream.run();
      const timedDiff = timedDifference(actual, load, stream);
      if (timedDiff) return { ok: false, ...timedDiff };
      return { ok: true, checked: expected.deliveries.length / 3 };
    },

    counters(): Counter[] {
      // the timed replay, run once and counted instead of timed
      const abi = variant.create(config);
      const stream = new StreamReplay(abi, load);
      stream.reset();
      abi.work.fill(0);
      const events = stream.run();
      const w = abi.work;
      const upcalls = w[WORK_UPCALLS]!;
      let refused = 0;
      for (let i = 0; i < load.length; i++) if (load.op[i] === OP_REFUSED) refused++;
      return [
        { metric: 'events', unit: 'events', value: events, detail: 'events delivered over the whole stream' },
        { metric: 'events_per_upcall', unit: 'events/upcall', value: per(events, upcalls) },
        {
          metric: 'bytes_read',
          unit: 'bytes/event',
          value: per(w[WORK_BYTES_READ]!, events),
          detail: 'event-channel memory the guest loads while it scans: selectors or READY, leaf or event words, HEADs',
        },
        { metric: 'xchg', unit: 'xchg/upcall', value: per(w[WORK_XCHG]!, upcalls) },
        {
          metric: 'guest_locked',
          unit: 'ops/event',
          value: per(w[WORK_GUEST_LOCKED]!, events),
          detail:
            "the guest's locked operations: xchg, the ack's sync_clear_bit, clear_linked's cmpxchg, mask/unmask bits",
        },
        { metric: 'send_rmw', unit: 'rmw/send', value: per(w[WORK_SEND_RMW]!, stream.sends) },
        {
          metric: 'queue_locks',
          unit: 'locks/send',
          value: per(w[WORK_QUEUE_LOCKS]!, stream.sends),
          detail: "Xen FIFO's per-queue spinlocks in set_pending, coalesced sends included",
        },
        {
          metric: 'unmask_hypercalls',
          unit: 'hypercalls',
          value: w[WORK_UNMASK_HYPERCALLS]!,
          detail: `EVTCHNOP_unmask the guest had to make, of ${stream.unmasks} unmasks`,
        },
        {
          metric: 'timer_first',
          unit: 'events',
          value: w[WORK_TIMER_FIRST]!,
          detail: 'timer VIRQs delivered by the VIRQ_TIMER pre-check before the scan',
        },
        {
          metric: 'worst_wait',
          unit: 'events',
          value: (observed ?? replay(variant.create(config), load)).worstWait,
          detail:
            'events handled on the vCPU between a port becoming deliverable and its delivery, over the whole stream',
        },
        {
          metric: 'dump_ports_locked',
          unit: 'ports',
          value: dumpPorts(load),
          detail:
            "ports domain_dump_evtchn_info (Xen's 'e' debug key) visits under one hold of the event lock: every port of every allocated bucket",
        },
        {
          metric: 'alloc_refused',
          unit: 'allocations',
          value: refused,
          detail: 'port allocations refused with -ENOSPC at the domain limit',
        },
        {
          metric: 'resume_hypercalls',
          unit: 'hypercalls',
          value: abi.reregistration().hypercalls,
          detail: 'what the guest must register again after a migration before events flow',
        },
        { metric: 'resume_pages', unit: 'pages', value: abi.reregistration().pages },
        {
          metric: 'migrate_reraised',
          unit: 'ports',
          value: migrated(variant, config, load, migration?.by ?? 'guest', migration?.host ?? 'same').reraised,
          detail: `ports the guest raises again after a migration half-way through the stream (${migration ? `migrate=${migration.by}, host=${migration.host}` : 'the guest registers again on a twin host'}), so that none is lost`,
        },
        ...(migration ? migrationCounters(variant, config, load, migration, events) : []),
        { metric: 'shared_bytes_guest', unit: 'bytes', value: abi.sharedBytes() },
        { metric: 'shared_bytes_vcpu', unit: 'bytes', value: abi.perVcpuBytes() },
        { metric: 'private_bytes_vcpu', unit: 'bytes', value: abi.privateBytesPerVcpu() },
        { metric: 'capacity', unit: 'ports', value: capacity },
      ];
    },

    timed(): Timed[] {
      const stream = timedReplay();
      stream.reset();
      const events = stream.run();
      // A sparse stream delivers a handful of events, less work than the clock bracket around
      // it: a sample replays the stream on several guests in turn, as the C anchors time k
      // independent guests per interval. Each copy must deliver exactly what the checked one did.
      const copies = events >= COPY_EVENTS ? 1 : Math.min(MAX_COPIES, Math.ceil(COPY_EVENTS / Math.max(1, events)));
      const streams = [stream];
      for (let k = 1; k < copies; k++) {
        const twin = new StreamReplay(variant.createTimed(config), load);
        twin.reset();
        twin.run();
        if (twin.delivered !== stream.delivered || twin.digest !== stream.digest) {
          throw new Error(`evtchn: guest copy ${k} of the timed stream delivered differently from the checked one`);
        }
        streams.push(twin);
      }
      const begin = beginOf(load);
      return [
        {
          metric: 'stream',
          unit: 'ns/event',
          ops: Math.max(1, events) * copies,
          detail: `timed: the case's stream replayed in order after its prologue, ${describeStream(load)}, ${events} events delivered${copies > 1 ? `, on ${copies} guests in turn per sample` : ''}, on the model without its counters (the gate checked it delivers the same); model, cursor and driver restored untimed before each sample`,
          setup: () => {
            for (let k = 0; k < copies; k++) streams[k]!.reset();
          },
          run: () => {
            let n = 0;
            for (let k = 0; k < copies; k++) n += streams[k]!.run();
            return n;
          },
          // the walk over the same operations, each read and dispatched, with no model behind
          // it (its own function, so the timed replay's call sites see no second class)
          empty: () => {
            let n = 0;
            for (let k = 0; k < copies; k++) n += walkOps(load, begin + 1, load.length);
            return n;
          },
        },
      ];
    },
  };
}

/** Whether a variant has anything to say about a case. An ABI without levels (FIFO) has
 *  nothing to add on a deeper row that a 2-level tree could hold: that row has a depth-2
 *  twin it has already run; beyond W*W ports (32768, 131072, 262144) it has none. */
export function applies(variant: EvtchnVariant, params: Params): boolean {
  if (variant.family === 'bitmap') return true;
  const { config } = caseOf(params);
  if (config.depth === 2) return true;
  return config.ports > config.wordBits * config.wordBits;
}
