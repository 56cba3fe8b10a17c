// The liveupdate suite inside a worker: the old Xen's state for the case (the reference),
// then for the variant module the gate, its exact counters and its timed rebuild.
import type { Counter, Params, Preparation, Timed } from '../harness/kit.js';
import { eventsAcrossUpdate } from './events.js';
import { runGate } from './gate.js';
import { type LiveUpdateLoad, SEND_INTERVAL } from './load.js';
import { oldXen } from './oldxen.js';
import { liveTableRevokeFirst } from './hybrid.js';
import { exploreRace, RACE_OPTIONS } from './race.js';
import {
  W_BYTES_CARRIED,
  W_BYTES_COPIED,
  W_ENTRIES_CHECKED,
  W_FAULTS,
  W_FRAMES_CARRIED,
  W_PAGES_VALIDATED,
} from './typeref.js';
import { runUpdate, type UpdateResult, Updater, workUnits } from './update.js';
import type { HybridPolicy, LiveUpdateVariant } from './variant.js';

export function prepare(variant: LiveUpdateVariant, _params: Params, load: LiveUpdateLoad): Preparation {
  const old = oldXen(load);
  let first: UpdateResult | null = null; // the gate's run, which the counters read again
  const result = (): UpdateResult => (first ??= runUpdate(variant, old.handover));
  return {
    gate: () => runGate(load, old, result()),

    counters(): Counter[] {
      const r = result();
      const b = r.blackout;
      const t = r.total;
      const bw = workUnits(b);
      const ev = eventsAcrossUpdate(load.c.vcpus, load.sendPhase, load.sendPorts, bw);
      const mem = load.shape.mem;
      const out: Counter[] = [
        {
          metric: 'page_tables',
          unit: 'pages',
          value: mem.frameOf.length,
          detail: `${mem.target.length} present entries`,
        },
        { metric: 'pinned', unit: 'pages', value: load.shape.pins.length },
        { metric: 'blackout_pages_validated', unit: 'pages', value: b[W_PAGES_VALIDATED]! },
        { metric: 'blackout_entries_checked', unit: 'entries', value: b[W_ENTRIES_CHECKED]! },
        { metric: 'total_pages_validated', unit: 'pages', value: t[W_PAGES_VALIDATED]! },
        { metric: 'total_entries_checked', unit: 'entries', value: t[W_ENTRIES_CHECKED]! },
        { metric: 'frames_carried', unit: 'page_info', value: t[W_FRAMES_CARRIED]! },
        {
          metric: 'bytes_carried',
          unit: 'bytes',
          value: t[W_BYTES_CARRIED]!,
          detail: "old-Xen state read by the new Xen: the stream's 8-byte pfn words, or the old page_info",
        },
        {
          metric: 'bytes_copied',
          unit: 'bytes',
          value: t[W_BYTES_COPIED]!,
          detail: 'page_info written into a new array',
        },
        {
          metric: 'blackout_work',
          unit: 'units',
          value: bw,
          detail: 'pages validated + entries checked + page_info carried before resume: the clock of the events',
        },
        {
          metric: 'events_sent',
          unit: 'events',
          value: ev.sent,
          detail: `one per ${SEND_INTERVAL} units, to ${ev.ports} ports`,
        },
        { metric: 'events_pending_at_resume', unit: 'ports', value: ev.pendingAtResume },
        { metric: 'events_longest_wait', unit: 'units', value: ev.longestWait, detail: 'from its send to resume' },
      ];
      if (variant.hybrid !== null) {
        out.push(
          { metric: 'faults', unit: 'faults', value: t[W_FAULTS]!, detail: 'accesses that found their L1 untyped' },
          {
            metric: 'unvalidated_at_shadow_off',
            unit: 'pages',
            value: r.outcome.unvalidatedAtShadowOff,
            detail: 'page tables the stream names that were not validated when shadow mode was turned off',
          },
          ...raceCounters(variant.hybrid),
        );
      }
      return out;
    },

    timed(): Timed[] {
      // one body, the variant's whole update: ns per unit of its own work (pages validated +
      // entries checked + page_info carried). Divided by a count from the counters instead, the
      // same time gives ns per entry or per page exactly, so a second timing would add nothing.
      const u = new Updater(variant, old.handover);
      u.run();
      return [
        {
          metric: 'per_unit',
          unit: 'ns/unit',
          ops: Math.max(1, workUnits(u.work)),
          setup: () => u.reset(),
          run: () => {
            u.run();
            return u.work[W_ENTRIES_CHECKED]! + u.ft.count[0]!;
          },
        },
      ];
    },
  };
}

function raceCounters(hybrid: HybridPolicy): Counter[] {
  const own = exploreRace(hybrid, RACE_OPTIONS);
  const naive = exploreRace(liveTableRevokeFirst, RACE_OPTIONS);
  const n = (r: typeof own) => `${r.result.interleavings} interleavings${r.result.exhaustive ? ', exhaustive' : ''}`;
  return [
    { metric: 'race_interleavings', unit: 'interleavings', value: own.result.interleavings, detail: n(own) },
    {
      metric: 'race_violations',
      unit: 'interleavings',
      value: own.result.violations,
      detail: `policy: ${own.policy}; ${own.trace}`,
    },
    { metric: 'race_shortest', unit: 'steps', value: own.result.shortest?.steps.length ?? 0 },
    {
      metric: 'race_live_table_violations',
      unit: 'interleavings',
      value: naive.result.violations,
      detail: `policy: ${naive.policy}; ${naive.trace}`,
    },
    { metric: 'race_live_table_shortest', unit: 'steps', value: naive.result.shortest?.steps.length ?? 0 },
  ];
}
