// The p2m suite's computing, behind bench/p2m.ts: parse the case once, refuse a case beyond
// the variant's capacity, then gate, count and time the variant the module builds. Nothing
// here knows a variant's name: everything comes from the module (how it is built, how its
// toolstack finds it) and from what the built structure publishes.
import { type Counter, type Params, type Preparation, type Timed, unsupported } from '../harness/kit.js';
import type { Width } from './entry.js';
import { caseParams, OP_SET, setOps, type P2mLoad } from './load.js';
import { formatSum, gateWithLookupSum, type LookupStream, lookupStream, streamSum } from './lookupcheck.js';
import { emptyRangeSum, emptySum, genericLookupSum } from './fastlookup.js';
import { applySets, structureCounters, withinCapacity } from './metrics.js';
import { exploreWalk, type GuestScenario, SCENARIOS, WALK_OPTIONS } from './migration.js';
import { runThreadedWalk } from './threads.js';
import { driverOps } from './driver.js';
import { dumpCoreAlongLoad } from './dumpcore.js';
import { foreignAtSuspend, migrateAlongLoad } from './toolstack.js';
import { formatPfns, type P2m, type VariantModule } from './variant.js';

/** dirty rounds of the load's own migration */
const MIGRATE_ROUNDS = 8;
/** how long the real-threads walk runs per round (a gauge) */
const THREADS_MS = 80;

export function prepare(variant: VariantModule, params: Params, load: P2mLoad): Preparation {
  const c = caseParams(params);
  const cap = variant.capacity(c.width);
  if (load.layout.span > cap) {
    return unsupported(
      `${variant.name} holds ${cap} pfns (${formatPfns(cap)}) for a ${c.width}-bit guest; the case needs ${load.layout.span} (${formatPfns(load.layout.span)})`,
    );
  }
  const fresh = () => variant.create(c.width, load.layout);
  const migrate = c.load === 'migrate';
  const cap0 = variant.defaultCap(c.width);
  const defaultCap: Counter = {
    metric: 'default_cap',
    unit: 'pfns',
    value: cap0.pfns,
    detail: `${formatPfns(cap0.pfns)}: ${cap0.why}${load.layout.span > cap0.pfns ? '; this case is beyond it' : ''}`,
  };
  // the lookup stream is built once, for the gate's check of the timed path and for the timed body
  let stream: LookupStream | undefined;
  const streamOf = () => (stream ??= lookupStream(load));
  return {
    gate: () => gateWithLookupSum(fresh(), load, streamOf()),
    counters: () => [
      defaultCap,
      ...structureCounters(fresh(), load),
      ...(migrate || c.load === 'driver' || c.load === 'hotadd'
        ? [...migrationCounters(fresh, load), ...dumpCounters(fresh(), load)]
        : []),
      ...(migrate ? walkCounters(variant) : []),
    ],
    gauges: async () => (migrate ? threadCounters(variant) : []),
    timed: () => timedBodies(fresh(), load, streamOf()),
  };
}

/** the bench's applies(): the variant is modelled for the case's guest width */
export function appliesTo(variant: VariantModule, params: Params): boolean {
  return variant.widths.includes(Number(params['guest'] ?? 64) as Width);
}

/** the load's own migration: first while the guest only rewrites entries, then with its first touches */
function migrationCounters(fresh: () => P2m, load: P2mLoad): Counter[] {
  const quiet = migrateAlongLoad(fresh(), load, MIGRATE_ROUNDS, { rewritesOnly: true });
  const busy = migrateAlongLoad(fresh(), load, MIGRATE_ROUNDS, { rewritesOnly: false });
  return [
    {
      metric: 'migrate_rewrites_stale_reads',
      unit: 'reads',
      value: quiet.staleReads,
      detail: `guest only rewrites entries: ${quiet.aborted ? 'aborted' : 'completed'} after ${quiet.rounds} dirty rounds, ${quiet.changes} structural changes`,
    },
    {
      metric: 'migrate_struct_changes',
      unit: 'changes',
      value: busy.changes,
      detail: 'structural changes made by the load while the toolstack view was in use',
    },
    {
      metric: 'migrate_detected',
      unit: 'changes',
      value: busy.detected,
      detail: busy.m2pAborted
        ? 'aborted by map_p2m_leaves: a leaf frame failed mfn_in_pseudophysmap'
        : busy.aborted
          ? `aborted by check_vm_state after round ${busy.rounds} of ${MIGRATE_ROUNDS}`
          : 'never aborted',
    },
    {
      metric: 'migrate_missed',
      unit: 'changes',
      value: busy.missed,
      detail: `${busy.staleSlots} leaf slots stale at the end, ${busy.staleReads} dirty entries read wrong through the view`,
    },
    ...destinationCounters(busy),
    ...(load.kind === 'driver' ? driverCounters(busy, load) : []),
  ];
}

/** what the stream told the destination about the pfns the guest changed (logdirty.ts) */
function destinationCounters(busy: ReturnType<typeof migrateAlongLoad>): Counter[] {
  const d = busy.destination;
  const done = !busy.aborted;
  const none = 'the migration aborted: nothing is restored';
  return [
    {
      metric: 'migrate_p2m_page_resends',
      unit: 'pages',
      value: d.p2mPageResends,
      detail: `p2m pages the guest's entry stores dirtied (a shadow write fault marks each), summed over ${busy.rounds} rounds; each is sent again as page data`,
    },
    {
      metric: 'migrate_unmarked_pfns',
      unit: 'pfns',
      value: d.unsent,
      detail: `of ${d.changed} pfns whose entry changed, never sent again: Xen marks no balloon or grant target, and the guest writes no page it gave back or grant-mapped`,
    },
    {
      metric: 'migrate_dest_leaked',
      unit: 'pfns',
      value: done ? d.leaked : 0,
      detail: done
        ? 'sent as page data before the guest gave the frame back or grant-mapped the pfn, never sent again: the destination keeps a frame the guest no longer has'
        : none,
    },
    {
      metric: 'migrate_dest_lost',
      unit: 'pfns',
      value: done ? d.lost : 0,
      detail: done
        ? "own frames at suspend whose last send read XTAB through the view (a stale leaf, or beyond the tools' max_pfn): their contents never reach the destination"
        : none,
    },
  ];
}

/** the driver-domain load's own counters (driver.ts): what it did, and the grants still mapped at the final copy */
function driverCounters(busy: ReturnType<typeof migrateAlongLoad>, load: P2mLoad): Counter[] {
  const p = busy.p2m;
  const ops = driverOps(p.enc, load.ops, load.values, OP_SET);
  const pfns = new Set<number>();
  for (let i = 0; i < load.ops.length; i++) if (load.ops[i] === OP_SET) pfns.add(load.pfns[i]!);
  const f = foreignAtSuspend(p, busy.view, pfns);
  return [
    {
      metric: 'driver_grant_maps',
      unit: 'entries',
      value: ops.maps,
      detail: `FOREIGN_FRAME entries written (set_foreign_p2m_mapping); ${ops.invalidations} entries written INVALID (unmaps, balloon-outs, exchange zaps), ${ops.rewrites} rewritten to exchanged frames`,
    },
    {
      metric: 'driver_foreign_at_suspend',
      unit: 'pfns',
      value: f.guest,
      detail: `grant mappings still in the guest's p2m at the final copy (frames of another domain); the toolstack's view reads ${f.viaView} of them as FOREIGN, ${f.guest - f.viaView - f.beyond} as what its stale leaves still hold, ${f.beyond} lie beyond its max_pfn`,
    },
    {
      metric: 'driver_foreign_unseen',
      unit: 'pfns',
      value: f.guest - f.viaView,
      detail: `of those, ${f.guest - f.viaView - f.beyond} read through a stale leaf (p2m_missing the guest replaced) and ${f.beyond} beyond the view's max_pfn (the tools never look)`,
    },
  ];
}

/** `xl dump-core` while the guest runs the load (dumpcore.ts) */
function dumpCounters(p: P2m, load: P2mLoad): Counter[] {
  const d = dumpCoreAlongLoad(p, load);
  return [
    {
      metric: 'dump_p2m_maps',
      unit: 'maps',
      value: d.p2mMaps,
      detail: 'foreign mappings xc_core_arch_map_p2m needs (the same walk as map_p2m)',
    },
    {
      metric: 'dump_pages',
      unit: 'pages',
      value: d.pages,
      detail: 'nr_pages: the pages present when the dump starts (tot_pages), the size of .xen_pages and .xen_p2m',
    },
    {
      metric: 'dump_stale_pages',
      unit: 'pages',
      value: d.stale,
      detail: `of ${d.changes} sets during the dump: pages copied from a frame the guest's entry no longer names, read through a leaf it replaced (each entry is read just before its copy; no generation check in a dump)`,
    },
    {
      metric: 'dump_missed_pages',
      unit: 'pages',
      value: d.missed,
      detail: `pfns holding a frame at their copy that the core left out: read absent through the view or beyond its max_pfn, and ${d.overflow} beyond nr_pages ("exceeded nr_pages")`,
    },
  ];
}

/** the interleaving explorer over the migration walk (bounded, CHESS-style) */
function walkCounters(variant: VariantModule): Counter[] {
  const f = exploreWalk(variant, WALK_OPTIONS);
  const r = f.result;
  const bound = `${r.exhaustive ? 'exhaustive' : 'not exhaustive'} with at most ${WALK_OPTIONS.preemptionBound} preemptions`;
  const shortest = r.shortest?.steps.length ?? 0;
  return [
    {
      metric: 'walk_slips_past',
      unit: 'bool',
      value: r.violations > 0 ? 1 : 0,
      detail:
        r.violations > 0
          ? `yes: a structural change can slip past the toolstack (shortest: ${shortest} steps)`
          : 'no: every structural change during the walk is detected or seen by the walk',
    },
    { metric: 'walk_interleavings', unit: 'interleavings', value: r.interleavings, detail: bound },
    {
      metric: 'walk_detected',
      unit: 'interleavings',
      value: f.detected,
      detail: 'toolstack aborted by check_vm_state: "p2m generation count changed"',
    },
    {
      metric: 'walk_m2p_aborts',
      unit: 'interleavings',
      value: f.m2pAborts,
      detail:
        'toolstack aborted by map_p2m_leaves: a leaf frame failed mfn_in_pseudophysmap ("Bad mfn in p2m_frame_list")',
    },
    {
      metric: 'walk_missed',
      unit: 'interleavings',
      value: r.violations,
      detail:
        r.violations > 0
          ? `completed silently with a stale view (every mapped frame passed the m2p check): ${f.trace}`
          : 'no interleaving completes the migration with a stale view',
    },
    { metric: 'walk_shortest_miss', unit: 'steps', value: shortest },
    ...checkpointedCounters(variant),
    ...SCENARIOS.filter((sc) => sc !== 'first-touch').flatMap((sc) => scenarioCounters(variant, sc)),
  ];
}

/** the same walk with another guest operation (migration.ts SCENARIOS): aborted or silent, and the shortest silent trace */
function scenarioCounters(variant: VariantModule, scenario: GuestScenario): Counter[] {
  const f = exploreWalk(variant, WALK_OPTIONS, 0, scenario);
  const r = f.result;
  const name = scenario.replace('-', '_');
  return [
    {
      metric: `walk_${name}_detected`,
      unit: 'interleavings',
      value: f.detected,
      detail: `of ${r.interleavings} (${r.exhaustive ? 'exhaustive' : 'not exhaustive'}): aborted by check_vm_state`,
    },
    {
      metric: `walk_${name}_missed`,
      unit: 'interleavings',
      value: r.violations,
      detail:
        r.violations > 0 ? `completed silently with a stale view: ${f.trace}` : 'none completes with a stale view',
    },
  ];
}

/** the same walk in a checkpointed stream (Remus/COLO): one more checkpoint after the live phase */
function checkpointedCounters(variant: VariantModule): Counter[] {
  const f = exploreWalk(variant, WALK_OPTIONS, 1);
  const r = f.result;
  return [
    {
      metric: 'walk_checkpointed_interleavings',
      unit: 'interleavings',
      value: r.interleavings,
      detail: `${r.exhaustive ? 'exhaustive' : 'not exhaustive'} with at most ${WALK_OPTIONS.preemptionBound} preemptions; after the first checkpoint the stream is not live and check_vm_state returns at once`,
    },
    {
      metric: 'walk_checkpointed_missed',
      unit: 'interleavings',
      value: r.violations,
      detail:
        r.violations > 0
          ? `a checkpoint sent with a stale view: ${f.trace}`
          : 'no checkpoint is sent with a stale view',
    },
  ];
}

/** the same race on two worker threads over one SharedArrayBuffer: scheduling-dependent, so gauges */
async function threadCounters(variant: VariantModule): Promise<Counter[]> {
  const t = await runThreadedWalk(variant, { ms: THREADS_MS, seed: 1 });
  const how = `${t.walks} walks in ${t.ms} ms, guest and toolstack on two worker threads over one SharedArrayBuffer`;
  return [
    { metric: 'threads_struct_changes', unit: 'changes', value: t.structural, detail: how },
    { metric: 'threads_detected', unit: 'walks', value: t.detected, detail: 'walks aborted by the generation check' },
    {
      metric: 'threads_missed',
      unit: 'walks',
      value: t.missed,
      detail: 'walks completed with a stale leaf frame in the view',
    },
    {
      metric: 'threads_torn',
      unit: 'reads',
      value: t.torn,
      detail: 'entry reads with mismatched 32-bit halves (entries are single 64-bit atomic stores)',
    },
  ];
}

/**
 * lookup, set and the toolstack's map over the structure the load builds (the timed sets are
 * then rewrites). Which sets the variant refuses beyond its capacity is decided here, before
 * timing, so the timed set loop has no exception handler: a throw inside it is a fault and
 * surfaces as the task's error.
 */
function timedBodies(p: P2m, load: P2mLoad, stream: LookupStream): Timed[] {
  applySets(p, load);
  const all = setOps(load);
  const keep: number[] = [];
  for (let i = 0; i < all.pfns.length; i++) if (withinCapacity(p, all.pfns[i]!, all.values[i]!)) keep.push(i);
  const setPfns = Float64Array.from(keep, (i) => all.pfns[i]!);
  const setValues = Float64Array.from(keep, (i) => all.values[i]!);
  const n = stream.pfns.length;
  const m = setPfns.length;
  // the gate compared this checksum with the reference's; this instance is a fresh build, so
  // compare its kernel with its own generic lookup() once more before timing
  const acc = new Float64Array(2);
  const check = new Float64Array(2);
  streamSum(p, stream, acc);
  genericLookupSum(p, stream.pfns, n, check);
  if (acc[0] !== check[0] || acc[1] !== check[1])
    throw new Error(
      `${p.variant}: timed lookup checksum ${formatSum(acc)} differs from lookup()'s ${formatSum(check)}`,
    );
  const sum = formatSum(acc);
  const { narrow, first } = stream;
  const how =
    first !== null
      ? 'the specialised kernel over a run of pfns'
      : narrow !== null
        ? 'the specialised kernel'
        : 'lookup(): pfns beyond 2^32';
  return [
    {
      metric: 'lookup',
      unit: 'ns/lookup',
      ops: Math.max(1, n),
      detail: `pfn_to_mfn over ${n} lookups (${how}), checksum ${sum}`,
      ...(first !== null
        ? { run: () => p.lookupRangeSum(first, n, acc), empty: () => emptyRangeSum(first, n, check) }
        : narrow !== null
          ? { run: () => p.lookupSum(narrow, n, acc), empty: () => emptySum(narrow, n, check) }
          : { run: () => genericLookupSum(p, stream.pfns, n, acc) }),
    },
    {
      metric: 'set',
      unit: 'ns/set',
      ops: Math.max(1, m),
      run: () => {
        let ok = 0;
        for (let i = 0; i < m; i++) if (p.set(setPfns[i]!, setValues[i]!)) ok++;
        return ok;
      },
    },
    {
      metric: 'tool_map',
      unit: 'ns/GiB',
      ops: Math.max(1, Math.round(load.layout.span / 262144)),
      run: () => p.mapForToolstack().maps,
    },
  ];
}
