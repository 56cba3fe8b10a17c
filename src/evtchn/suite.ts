// What the evtchn suite computes for one (variant, case): the gate against the reference of
// the variant's family, the exact counters, and the timed bodies. bench/evtchn.ts only
// declares the suite; this file is handed the variant's module, never its name.
import { type Counter, type Params, type Preparation, type Timed, unsupported } from '../harness/kit.js';
import {
  type EvtchnConfig,
  type EvtchnPortOps,
  type EvtchnVariant,
  WORK_SEND_RMW,
  WORK_UPCALLS,
  WORK_WORDS_READ,
  WORK_XCHG,
} from './abi.js';
import { applyPrologue, armBatch, BatchHandler, batchOf, deliverBatch, sendBatch } from './batch.js';
import { caseOf } from './case.js';
import type { EvtchnLoad } from './load.js';
import { BitmapReference } from './reference.js';
import { FifoReference } from './reference-fifo.js';
import { firstDifference, type Observation, replay } from './replay.js';

/** The reference that judges a variant: FIFO's lists, or the bitmap rules at the depth the
 *  variant itself builds (2-level is 2 deep whatever the case's depth says). */
export function referenceFor(variant: EvtchnVariant, config: EvtchnConfig): EvtchnPortOps {
  if (variant.family === 'fifo') return new FifoReference(config);
  return new BitmapReference({ ...config, depth: variant.levels(config) });
}

function fresh(variant: EvtchnVariant, config: EvtchnConfig, load: EvtchnLoad): EvtchnPortOps {
  const abi = variant.create(config);
  applyPrologue(abi, load);
  return abi;
}

export function prepare(variant: EvtchnVariant, params: Params, load: EvtchnLoad): Preparation {
  const { config } = caseOf(params);
  const capacity = variant.capacity(config);
  if (config.ports > capacity) {
    return unsupported(
      `${variant.name} addresses ${capacity} ports (abi=${config.wordBits}); the case needs ${config.ports}`,
    );
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

/** Whether a variant has anything to say about a case. An ABI without levels (FIFO) has
 *  nothing to add on a deeper row that a 2-level tree could hold: that row has a depth-2
 *  twin it has already run; beyond W*W ports (32768, 131072, 262144) it has none. */
export function applies(variant: EvtchnVariant, params: Params): boolean {
  if (variant.family === 'bitmap') return true;
  const { config } = caseOf(params);
  if (config.depth === 2) return true;
  return config.ports > config.wordBits * config.wordBits;
}
