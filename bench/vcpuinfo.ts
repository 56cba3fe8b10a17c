// vcpuinfo: shared_info holds vcpu_info for only 32 vCPUs; beyond, each vCPU's area is placed
// with VCPUOP_register_vcpu_info, and a migration drops every registration. How should a
// guest get them back while events keep arriving: Linux's down/register/up per vCPU, the
// BSP registering running vCPUs (the 2014 thread's proposal), FreeBSD's APs registering
// themselves from the suspend IPI handler, or the toolstack restoring them?
// (xen-devel/LKML, "hvm: Support more than 32 VCPUS when migrating", April 2014.)
//
// Per (variant, case): the gate (one seeded resume, every send against a reference that
// delivers everything), exact counters of that resume, the interleaving explorer's verdict on
// the registration protocol (two vCPUs, one channel in flight), a real-thread run of the
// parallel strategy (gauges), and ns per resumed vCPU of the modelled work.
//
// Metrics (kind):
//   resume                      ns/vcpu      timing   the whole modelled resume on this machine, per vCPU
//   hc_is_up hc_down hc_register hc_up hc_total    hypercalls (counter)
//   toolstack_restores          ops          counter
//   pause_transitions unpause_transitions          counter  VCPUOP_down/up and map_guest_area's vcpu_pause
//   ipis                        IPIs         counter  guest IPIs that quiesce the APs
//   critical_path critical_path_unlocked   steps   counter  serial vs parallel
//   worst_down down_scan spurious_scan_words stale_upcalls clock_bad_reads clock_bad_reads_unforced   counter
//   vcpu_info_bytes_vcpu vcpu_info_bytes_guest capacity                      counter
//   explore_{slot,beyond}[_stale]_*, explore_slot_lapic_*: interleavings, violation, shortest (counter; detail: the trace)
//   mt_threads mt_lock_contended mt_resume_us                                gauge (freebsd-self)
import { defineSuite } from '../src/harness/kit.js';
import { vcpuinfoLoad, type VcpuinfoLoad } from '../src/vcpuinfo/load.js';
import { applies, prepareCase } from '../src/vcpuinfo/prepare.js';
import { vcpuinfoFindings } from '../src/vcpuinfo/report.js';
import { type RestoreStrategy, strategyOf } from '../src/vcpuinfo/strategy.js';

export default defineSuite<VcpuinfoLoad, { readonly strategy: RestoreStrategy }>({
  name: 'vcpuinfo',
  question:
    'vcpu_info beyond 32 vCPUs: after a migration, re-register by down/up, remotely, from each AP, or by the toolstack?',
  variants: {
    'linux-down-up': () => import('../src/vcpuinfo/linux-down-up.js'),
    'shared-info': () => import('../src/vcpuinfo/shared-info.js'),
    'remote-register': () => import('../src/vcpuinfo/remote-register.js'),
    'freebsd-self': () => import('../src/vcpuinfo/freebsd-self.js'),
    'toolstack-restore': () => import('../src/vcpuinfo/toolstack-restore.js'),
  },
  baseline: 'linux-down-up',
  primaryMetric: 'resume',
  grid(profile) {
    if (profile === 'default') {
      return [
        // the 32-vCPU edge: shared-info works at 32 and not at 33 (the explorer runs once, here)
        { vcpus: 32, rate: 'storm', explore: 0 },
        { vcpus: 33, rate: 'storm', explore: 300 },
        // one large guest
        { vcpus: 128, rate: 'storm', explore: 0 },
      ];
    }
    const out: Record<string, string | number>[] = [];
    for (const vcpus of [1, 4, 31, 32, 33, 64, 128])
      for (const rate of ['idle', 'busy', 'storm']) out.push({ vcpus, rate, explore: 4000 });
    out.push({ vcpus: 512, rate: 'storm', guest: 'pv', explore: 0 });
    for (const vcpus of [4, 33]) {
      out.push({ vcpus, rate: 'storm', time: 'stale', explore: 0 });
      out.push({ vcpus, rate: 'storm', bind: 'vcpu0', explore: 0 });
      out.push({ vcpus, rate: 'storm', fail: 1, explore: 4000 });
      out.push({ vcpus, rate: 'storm', fail: vcpus - 1, explore: 0 });
      out.push({ vcpus, rate: 'storm', suspend: 'cancel', explore: 4000 });
      out.push({ vcpus, rate: 'storm', host: 'hvm-pre-4.7', explore: 4000 });
      out.push({ vcpus, rate: 'storm', host: 'xen-4.17', explore: 4000 });
      out.push({ vcpus, rate: 'storm', host: 'remote-nopause', explore: 4000 });
      out.push({ vcpus, rate: 'storm', upcall: 'lapic', explore: 4000 });
    }
    return out;
  },
  load: vcpuinfoLoad,
  report: vcpuinfoFindings,
  applies: (module, params) => applies(strategyOf(module), params),
  prepare: (module, params, load) => prepareCase(strategyOf(module), params, load),
  // which way a counter should move (README, "Comparing runs"): a grown capacity is no regression
  better: {
    capacity: 'higher',
    'hc_*': 'lower',
    pause_transitions: 'lower',
    unpause_transitions: 'lower',
    ipis: 'lower',
    critical_path: 'lower',
    critical_path_unlocked: 'lower',
    worst_down: 'lower',
    down_scan: 'lower',
    spurious_scan_words: 'lower',
    stale_upcalls: 'lower',
    'clock_bad_reads*': 'lower',
    vcpu_info_bytes_guest: 'lower',
    'explore_*_violation': 'lower',
  },
});
