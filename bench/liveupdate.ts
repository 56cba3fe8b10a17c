// The liveupdate suite (xen-devel, July 2019, live update: Andrew Cooper and Jan Beulich on
// rebuilding page type references after Xen is replaced under running PV guests). walk
// rebuilds from each vCPU's %cr3; stream-pinned carries the migration stream's types and
// pinned flags and re-pins as a restore does today (the baseline); demand types what the
// vCPUs need, resumes in a hybrid shadow mode and finishes in the background; transform
// carries struct page_info itself. Each is gated against the old Xen's frame table.
import { defineSuite, type Params, type Profile } from '../src/harness/kit.js';
import { codec, type LiveUpdateLoad } from '../src/liveupdate/load.js';
import { prepare } from '../src/liveupdate/prepare.js';
import { liveupdateFindings } from '../src/liveupdate/report.js';
import type { LiveUpdateVariant } from '../src/liveupdate/variant.js';

function grid(profile: Profile): Params[] {
  const c = (gib: number, procs: number, vcpus: number, pageinfo: string): Params => ({ gib, procs, vcpus, pageinfo });
  if (profile === 'default') {
    return [c(1, 100, 4, 'grown'), c(1, 1000, 4, 'same')];
  }
  const out: Params[] = [];
  for (const gib of [1, 4, 16, 64]) {
    for (const procs of [10, 100, 1000, 10000])
      out.push(c(gib, procs, Math.min(8, procs), gib >= 16 ? 'grown' : 'same'));
  }
  return out;
}

export default defineSuite<LiveUpdateLoad, LiveUpdateVariant>({
  name: 'liveupdate',
  question:
    "After a Xen live update under running PV guests, how much type-reference work must happen before the guests may run (blackout) and in total, if the new Xen walks each vCPU's %cr3, re-pins from the migration stream's pinned flags, validates on demand in a hybrid shadow mode, or transforms page_info in place, and which of them reproduces the old Xen's state?",
  variants: {
    'stream-pinned': () => import('../src/liveupdate/stream-pinned.js'),
    walk: () => import('../src/liveupdate/walk.js'),
    demand: () => import('../src/liveupdate/demand.js'),
    transform: () => import('../src/liveupdate/transform.js'),
  },
  baseline: 'stream-pinned',
  primaryMetric: 'per_unit',
  report: liveupdateFindings,
  grid,
  load: codec,
  prepare,
  // which way a counter should move (README, "Comparing runs")
  better: {
    blackout_pages_validated: 'lower',
    blackout_entries_checked: 'lower',
    blackout_work: 'lower',
    total_pages_validated: 'lower',
    total_entries_checked: 'lower',
    bytes_copied: 'lower',
    events_pending_at_resume: 'lower',
    events_longest_wait: 'lower',
    faults: 'lower',
    unvalidated_at_shadow_off: 'lower',
    race_violations: 'lower',
    race_live_table_violations: 'lower',
  },
});
