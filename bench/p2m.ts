// The p2m suite: xen-devel, Nov 2014, "expand x86 arch_shared_info to support linear p2m
// list" (Juergen Gross and Andrew Cooper on replacing the 3-level pfn->mfn tree of a 64-bit
// PV guest by a virtually mapped linear list). tree3 is Linux <= 3.18, the baseline; tree4
// extends the tree instead; linear is the list of Linux >= 4.3 (page-table root and
// generation published); linear-3.19 the list of 3.19-4.2 (frame-list tree only). Each is checked against a Map
// reference, counted exactly (loads, pages, toolstack mappings, structural changes missed by
// the migration walk) and timed (lookup, set, building the toolstack's view); the computing
// is in src/p2m/suite.ts.
import { defineSuite, type Params, type Profile } from '../src/harness/kit.js';
import { codec, type P2mLoad } from '../src/p2m/load.js';
import { p2mFindings } from '../src/p2m/report.js';
import { appliesTo, prepare } from '../src/p2m/suite.js';
import type { VariantModule } from '../src/p2m/variant.js';

function grid(profile: Profile): Params[] {
  const c = (guest: number, gib: number, layout: string, load: string): Params => ({ guest, gib, layout, load });
  // a guest booted with `mem` GiB in an E820 of maxmem `gib` GiB: the balloon's extra memory above
  const h = (gib: number, mem: number, load: string): Params => ({ guest: 64, gib, mem, layout: 'hotplug', load });
  if (profile === 'default') {
    return [
      c(64, 8, 'dense', 'seq'),
      // maxmem beyond the frame-list tree's 512 GiB (tree3 and linear-3.19 unsupported), booted
      // with 1 GiB: the balloon reaches only the 10 GiB of extra memory EXTRA_MEM_RATIO allows
      h(1024, 1, 'balloon'),
      h(16, 4, 'migrate'), // the migration walk: the load's own, the explorer and real threads
    ];
  }
  const out: Params[] = [];
  for (const gib of [1, 4, 16, 64]) for (const load of ['seq', 'random', 'stride']) out.push(c(64, gib, 'dense', load));
  for (const load of ['seq', 'random', 'stride', 'balloon']) out.push(c(64, 16, 'pc', load));
  for (const gib of [64, 512]) out.push(h(gib, 4, 'balloon'));
  out.push(h(64, 16, 'balloon'), h(512, 1, 'balloon'), h(1024, 1, 'random')); // extra memory not clamped / clamped
  for (const gib of [256, 512, 1024, 4096]) out.push(c(64, gib, 'islands', 'random'));
  for (const gib of [16, 64]) out.push(c(64, gib, 'dense', 'migrate'), h(gib, 4, 'migrate'));
  // a driver domain migrated while its backend maps and unmaps grants and exchanges frames
  out.push(c(64, 16, 'dense', 'driver'), h(16, 4, 'driver'), h(64, 4, 'driver'));
  // memory hot-add of one section above maxmem while migrating
  out.push(h(16, 4, 'hotadd'), c(64, 16, 'dense', 'hotadd'));
  for (const load of ['seq', 'random', 'stride']) out.push(c(32, 8, 'pc', load), c(32, 16, 'pc', load));
  for (const gib of [4096, 8192]) out.push(c(32, gib, 'islands', 'random')); // tree3's 4 TiB edge, and beyond
  // the C anchors' fixed stream (mfn = pfn ^ 0x5a5a5a, lookups in order or at xorshift64(42) % npfn)
  for (const gib of [1, 4, 16])
    for (const order of ['seq', 'random']) out.push({ ...c(64, gib, 'dense', 'anchor'), order });
  return out;
}

export default defineSuite<P2mLoad, VariantModule>({
  name: 'p2m',
  question:
    "What does a pfn->mfn lookup, a set and the migration toolstack's view cost in the 3-level p2m tree vs a 4-level tree vs the linear list (as 3.19-4.2 and as 4.3+ publish it), how far does each reach, and can a structural change slip past the toolstack?",
  variants: {
    tree3: () => import('../src/p2m/tree3.js'),
    tree4: () => import('../src/p2m/tree4.js'),
    linear: () => import('../src/p2m/linear.js'),
    'linear-3.19': () => import('../src/p2m/linear319.js'),
  },
  baseline: 'tree3',
  primaryMetric: 'lookup',
  report: p2mFindings,
  grid,
  load: codec,
  prepare,
  // the linear list is modelled for 64-bit guests only (32-bit PAE Linux stops at 64 GiB)
  applies: appliesTo,
  // which way a counter should move (README, "Comparing runs"): a grown capacity is no regression
  better: {
    capacity: 'higher',
    default_cap: 'higher',
    lookup_loads: 'lower',
    lookup_pages: 'lower',
    p2m_pages_boot: 'lower',
    p2m_pages: 'lower',
    tool_maps_boot: 'lower',
    tool_maps: 'lower',
    tool_maps_per_gib: 'lower',
    migrate_rewrites_stale_reads: 'lower',
    migrate_missed: 'lower',
    walk_slips_past: 'lower',
    walk_missed: 'lower',
    walk_checkpointed_missed: 'lower',
    walk_grant_missed: 'lower',
    walk_exchange_missed: 'lower',
    walk_hotadd_missed: 'lower',
    migrate_dest_leaked: 'lower',
    migrate_dest_lost: 'lower',
    driver_foreign_unseen: 'lower',
    dump_p2m_maps: 'lower',
    dump_stale_pages: 'lower',
    dump_missed_pages: 'lower',
  },
});
