// The event-channel suite (issue 2 §8; seeds/004: Attilio Rao's 2012 RFC to extend the
// 2-level bitmaps by a level, Jan Beulich asking for variable depth). Xen's 2-level ABI is
// the baseline; N-level runs at the case's depth (2-level and fifo have no depth);
// fifo is the ABI Xen chose instead (research/evtchn.md §3).
import {
  defineSuite,
  unsupported,
  type Counter,
  type Params,
  type Preparation,
  type Profile,
  type Timed,
} from '../src/harness/kit.js';
import {
  WORK_SEND_RMW,
  WORK_UPCALLS,
  WORK_WORDS_READ,
  WORK_XCHG,
  type EvtchnConfig,
  type EvtchnPortOps,
  type EvtchnVariant,
} from '../src/evtchn/abi.js';
import { applyPrologue, armBatch, batchOf, BatchHandler, deliverBatch, sendBatch } from '../src/evtchn/batch.js';
import { evtchnLoad, shapeOf, type EvtchnLoad } from '../src/evtchn/load.js';
import { BitmapReference } from '../src/evtchn/reference.js';
import { FifoReference } from '../src/evtchn/reference-fifo.js';
import { firstDifference, replay, type Observation } from '../src/evtchn/replay.js';

function configOf(params: Params): EvtchnConfig {
  const shape = shapeOf(params);
  const abi = Number(params['abi'] ?? 64);
  if (abi !== 32 && abi !== 64) throw new RangeError(`evtchn: abi must be 32 or 64, got ${params['abi']}`);
  return { wordBits: abi, depth: Number(params['depth'] ?? 2), vcpus: shape.vcpus, ports: shape.ports };
}

function referenceFor(variant: EvtchnVariant, config: EvtchnConfig): EvtchnPortOps {
  if (variant.family === 'fifo') return new FifoReference(config);
  // the variant's own tree depth: 2-level is always 2, whatever the case says
  const depth = Math.round(Math.log(variant.capacity(config)) / Math.log(config.wordBits));
  return new BitmapReference({ ...config, depth });
}

function fresh(variant: EvtchnVariant, config: EvtchnConfig, load: EvtchnLoad): EvtchnPortOps {
  const abi = variant.create(config);
  applyPrologue(abi, load);
  return abi;
}

function prepare(variant: EvtchnVariant, params: Params, load: EvtchnLoad): Preparation {
  const name = variant.name;
  const config = configOf(params);
  const capacity = variant.capacity(config);
  if (config.ports > capacity) {
    return unsupported(`${name} addresses ${capacity} ports (abi=${config.wordBits}); the case needs ${config.ports}`);
  }
  // the variant's own observation of the whole stream, kept from the gate for worst_wait
  let observed: Observation | undefined;
  const batch = batchOf(load);

  return {
    gate() {
      const expected = replay(referenceFor(variant, config), load);
      const actual = replay(variant.create(config), load);
      observed = actual;
      const diff = firstDifference(expected, actual);
      if (diff) return { ok: false, ...diff };
      return { ok: true, checked: expected.deliveries.length / 3 };
    },

    counters(): Counter[] {
      // one delivery of the timed batch, and one send of it, counted instead of timed
      const abi = fresh(variant, config, load);
      const handler = new BatchHandler(abi, batch.hotPort);
      armBatch(abi, batch, handler);
      abi.work.fill(0);
      const delivered = deliverBatch(abi, handler);
      const w = abi.work;
      const out: Counter[] = [
        { metric: 'words_read', unit: 'words/event', value: w[WORK_WORDS_READ]! / Math.max(1, delivered) },
        { metric: 'xchg', unit: 'xchg/upcall', value: w[WORK_XCHG]! / Math.max(1, w[WORK_UPCALLS]!) },
        { metric: 'events_per_batch', unit: 'events', value: delivered },
      ];
      abi.resetPending();
      abi.work.fill(0);
      sendBatch(abi, batch);
      out.push(
        { metric: 'send_rmw', unit: 'rmw/send', value: w[WORK_SEND_RMW]! / Math.max(1, batch.sends.length) },
        {
          metric: 'worst_wait',
          unit: 'events',
          value: (observed ?? replay(variant.create(config), load)).worstWait,
          detail:
            'events handled on the vCPU between a port becoming deliverable and its delivery, over the whole stream',
        },
        { metric: 'shared_bytes_guest', unit: 'bytes', value: abi.sharedBytes() },
        { metric: 'shared_bytes_vcpu', unit: 'bytes', value: abi.perVcpuBytes() },
        { metric: 'capacity', unit: 'ports', value: capacity },
      );
      return out;
    },

    timed(): Timed[] {
      const deliverer = fresh(variant, config, load);
      const handler = new BatchHandler(deliverer, batch.hotPort);
      armBatch(deliverer, batch, handler);
      const events = Math.max(1, deliverBatch(deliverer, handler));
      const sender = fresh(variant, config, load);
      return [
        {
          metric: 'deliver',
          unit: 'ns/event',
          ops: events,
          setup: () => armBatch(deliverer, batch, handler),
          run: () => deliverBatch(deliverer, handler),
        },
        {
          metric: 'send',
          unit: 'ns/send',
          ops: Math.max(1, batch.sends.length),
          setup: () => sender.resetPending(),
          run: () => sendBatch(sender, batch),
        },
      ];
    },
  };
}

function grid(profile: Profile): Params[] {
  const c = (abi: number, depth: number, ports: number, density: number, vcpus: number, load: string): Params => ({
    abi,
    depth,
    ports,
    density,
    vcpus,
    load,
  });
  if (profile === 'default') {
    return [
      c(64, 2, 4096, 0.01, 4, 'sparse'),
      c(64, 2, 4096, 0.1, 4, 'sparse'),
      c(64, 2, 4096, 1, 4, 'storm'),
      c(32, 2, 1024, 0.1, 4, 'sparse'),
      c(64, 2, 4096, 0.1, 1, 'hot'),
      c(64, 3, 4096, 0.1, 4, 'sparse'),
      c(64, 3, 262144, 0.001, 4, 'sparse'),
    ];
  }
  const out: Params[] = [];
  for (const abi of [64, 32]) {
    const sweep = abi === 64 ? [1024, 4096, 32768, 131072, 262144] : [1024, 32768];
    for (const ports of sweep) {
      for (const depth of ports <= abi * abi ? [2, 3] : [3]) {
        for (const density of [0.001, 0.01, 0.1]) {
          if (density * ports < 1) continue;
          for (const vcpus of [1, 4, 16]) out.push(c(abi, depth, ports, density, vcpus, 'sparse'));
          out.push(c(abi, depth, ports, density, 4, 'burst'));
        }
        out.push(c(abi, depth, ports, 1, 4, 'storm'));
        out.push(c(abi, depth, ports, 0.1, 1, 'hot'));
        out.push(c(abi, depth, ports, 0.1, 4, 'churn'));
      }
    }
  }
  return out;
}

export default defineSuite<EvtchnLoad, EvtchnVariant>({
  name: 'evtchn',
  question:
    'What does each event delivered cost the guest in Xen 2-level bitmaps vs an N-level (3-level) tree vs FIFO queues, and how far does each reach?',
  variants: {
    '2-level': () => import('../src/evtchn/twolevel.js'),
    'N-level': () => import('../src/evtchn/nlevel.js'),
    fifo: () => import('../src/evtchn/fifo.js'),
  },
  baseline: '2-level',
  primaryMetric: 'deliver',
  grid,
  load: evtchnLoad,
  prepare,
  // fifo has no depth: a deeper row with as few ports as a 2-level tree holds has a depth-2
  // twin, which fifo has already run; beyond that (32768, 131072, 262144 ports) it has none
  applies: (variant, params) => {
    if (variant.family !== 'fifo' || Number(params['depth']) === 2) return true;
    const w = Number(params['abi']);
    return Number(params['ports']) > w * w;
  },
});
