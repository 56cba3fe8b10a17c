// The p2m suite (issue 3; seeds/003: Juergen Gross and Andrew Cooper on replacing the 3-level
// pfn->mfn tree by a virtually mapped linear list). tree3 is Linux <= 3.18, the baseline;
// tree4 extends the tree instead; linear is Linux >= 3.19. Each is checked against a Map
// reference, counted exactly (loads, pages, toolstack mappings, structural changes missed by
// the migration walk) and timed (lookup, set, building the toolstack's view).
import { p2mFindings } from '../src/p2m/report.js';
import {
  defineSuite,
  unsupported,
  type Counter,
  type Params,
  type Preparation,
  type Profile,
  type Timed,
} from '../src/harness/kit.js';
import { caseParams, codec, lookupPfns, setOps, type P2mLoad } from '../src/p2m/load.js';
import { runGate } from '../src/p2m/gate.js';
import { applySets, structureCounters } from '../src/p2m/metrics.js';
import { exploreWalk, WALK_OPTIONS } from '../src/p2m/migration.js';
import { formatPfns, type VariantModule } from '../src/p2m/variant.js';
import type { Width } from '../src/p2m/entry.js';
import { runThreadedWalk } from '../src/p2m/threads.js';
import { migrateAlongLoad } from '../src/p2m/toolstack.js';

function prepare(variant: VariantModule, params: Params, load: P2mLoad): Preparation {
  const name = variant.name;
  const c = caseParams(params);
  const cap = variant.capacity(c.width);
  if (load.layout.span > cap) {
    return unsupported(
      `${name} holds ${cap} pfns (${formatPfns(cap)}) for a ${c.width}-bit guest; the case needs ${load.layout.span} (${formatPfns(load.layout.span)})`,
    );
  }
  const fresh = () => variant.create(c.width, load.layout);
  return {
    gate: () => runGate(fresh(), load),

    async counters(): Promise<Counter[]> {
      const out = structureCounters(fresh(), load);
      if (c.load === 'migrate') {
        // the load's own migration: first while the guest only rewrites entries, then with its first touches
        const quiet = migrateAlongLoad(fresh(), load, 8, { rewritesOnly: true });
        const busy = migrateAlongLoad(fresh(), load, 8, { rewritesOnly: false });
        out.push(
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
            detail: busy.aborted ? `aborted by check_vm_state after round ${busy.rounds} of 8` : 'never aborted',
          },
          {
            metric: 'migrate_missed',
            unit: 'changes',
            value: busy.missed,
            detail: `${busy.staleSlots} leaf slots stale at the end, ${busy.staleReads} dirty entries read wrong through the view`,
          },
        );
        const f = exploreWalk(name, WALK_OPTIONS);
        const r = f.result;
        const bound = `${r.exhaustive ? 'exhaustive' : 'not exhaustive'} with at most ${WALK_OPTIONS.preemptionBound} preemptions`;
        out.push(
          {
            metric: 'walk_slips_past',
            unit: 'bool',
            value: r.violations > 0 ? 1 : 0,
            detail:
              r.violations > 0
                ? `yes: a structural change can slip past the toolstack (shortest: ${r.shortest!.steps.length} steps)`
                : 'no: every structural change during the walk is detected or seen by the walk',
          },
          { metric: 'walk_interleavings', unit: 'interleavings', value: r.interleavings, detail: bound },
          {
            metric: 'walk_detected',
            unit: 'interleavings',
            value: f.detected,
            detail: 'toolstack aborted: "p2m generation count changed"',
          },
          {
            metric: 'walk_missed',
            unit: 'interleavings',
            value: r.violations,
            detail: r.violations > 0 ? f.trace : 'no interleaving completes the migration with a stale view',
          },
          { metric: 'walk_shortest_miss', unit: 'steps', value: r.shortest?.steps.length ?? 0 },
        );
      }
      return out;
    },

    async gauges(): Promise<Counter[]> {
      if (c.load !== 'migrate') return [];
      const out: Counter[] = [];
      {
        const t = await runThreadedWalk(name, { ms: 80, seed: 1 });
        const how = `${t.walks} walks in ${t.ms} ms, guest and toolstack on two worker threads over one SharedArrayBuffer`;
        out.push(
          { metric: 'threads_struct_changes', unit: 'changes', value: t.structural, detail: how },
          {
            metric: 'threads_detected',
            unit: 'walks',
            value: t.detected,
            detail: 'walks aborted by the generation check',
          },
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
        );
      }
      return out;
    },

    timed(): Timed[] {
      const p = fresh();
      applySets(p, load); // the structure the load builds; the timed sets are then rewrites
      const pfns = lookupPfns(load);
      const sets = setOps(load);
      const n = pfns.length;
      const m = sets.pfns.length;
      return [
        {
          metric: 'lookup',
          unit: 'ns/lookup',
          ops: n,
          run: () => {
            let acc = 0;
            for (let i = 0; i < n; i++) acc += p.lookup(pfns[i]!);
            return acc % 1e9;
          },
        },
        {
          metric: 'set',
          unit: 'ns/set',
          ops: Math.max(1, m),
          run: () => {
            let ok = 0;
            for (let i = 0; i < m; i++) {
              try {
                if (p.set(sets.pfns[i]!, sets.values[i]!)) ok++;
              } catch {
                /* beyond capacity: refused as in the gate */
              }
            }
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
    },
  };
}

function grid(profile: Profile): Params[] {
  const c = (guest: number, gib: number, layout: string, load: string): Params => ({ guest, gib, layout, load });
  if (profile === 'default') {
    return [
      c(64, 8, 'dense', 'seq'),
      c(64, 8, 'pc', 'random'),
      c(64, 512, 'hotplug', 'balloon'), // exactly tree3's 512 GiB
      c(64, 1024, 'islands', 'random'), // beyond it: tree3 unsupported
      c(64, 16, 'hotplug', 'migrate'), // the migration walk: the load's own, the explorer and real threads
    ];
  }
  const out: Params[] = [];
  for (const gib of [1, 4, 16, 64]) for (const load of ['seq', 'random', 'stride']) out.push(c(64, gib, 'dense', load));
  for (const load of ['seq', 'random', 'stride', 'balloon']) out.push(c(64, 16, 'pc', load));
  for (const gib of [64, 512]) out.push(c(64, gib, 'hotplug', 'balloon'));
  for (const gib of [256, 512, 1024, 4096]) out.push(c(64, gib, 'islands', 'random'));
  for (const gib of [16, 64]) out.push(c(64, gib, 'dense', 'migrate'), c(64, gib, 'hotplug', 'migrate'));
  for (const load of ['seq', 'random', 'stride']) out.push(c(32, 8, 'pc', load), c(32, 16, 'pc', load));
  for (const gib of [4096, 8192]) out.push(c(32, gib, 'islands', 'random')); // tree3's 4 TiB edge, and beyond
  return out;
}

export default defineSuite<P2mLoad, VariantModule>({
  name: 'p2m',
  question:
    "What does a pfn->mfn lookup, a set and the migration toolstack's view cost in the 3-level p2m tree vs a 4-level tree vs the linear list, how far does each reach, and can a structural change slip past the toolstack?",
  variants: {
    tree3: () => import('../src/p2m/tree3.js'),
    tree4: () => import('../src/p2m/tree4.js'),
    linear: () => import('../src/p2m/linear.js'),
  },
  baseline: 'tree3',
  primaryMetric: 'lookup',
  report: p2mFindings,
  grid,
  load: codec,
  prepare,
  // the linear list is modelled for 64-bit guests only (32-bit PAE Linux stops at 64 GiB)
  applies: (variant, params) => variant.widths.includes(Number(params['guest']) as Width),
});
