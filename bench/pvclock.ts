// pvclock: should the vDSO read the clock through the pvti of the vCPU it runs on (percpu:
// two getcpu, version checks, retries) or through vCPU 0's pvti only (vcpu0, Lutomirski
// 2015), and what can each observe while KVM updates them? The argument: kvm list, March
// 2015, "x86: kvm: Revert 'remove sched notifier for cross-cpu migrations'" (Tosatti,
// Lutomirski, Krčmář). The models and their departures from the real code: src/pvclock/README.md.
//
// Per (variant, case): the gate (one seeded interleaving, every read against a BigInt
// reference), exact counters from that interleaving, the interleaving explorer's verdict on
// warps, a kvmclock_test-style warp hunt on real threads (gauges), and ns per read.
//
// Metrics (kind):
//   read                 ns/read        timing   hot read, one thread, host quiescent (nomaster: only the
//                                                 vDSO's STABLE check before it gives up; the syscall is not timed)
//   retries              per 1e6 reads  counter  gate interleaving
//   fallbacks            reads          counter  gate interleaving, of GATE_READS
//   gate_warps           warps          counter  kvmclock_test count on the gate interleaving
//   gate_worst_warp      ns             counter
//   explore_*            interleavings / bool / ns / steps (counter): KVM model, entries blocked, update at entry
//   explore_hostwrite_*  same, host rewriting pvti while guests run (the 2015 thread's picture; rebase cases)
//   explore_syscallmix_* same, each task's second read a syscall (halt0 cases: vDSO and kernel timestamps mixed)
//     *_interleavings, *_warp_reachable (0/1), *_worst_warp (ns), *_shortest (steps; detail = the trace)
//   mt_reads, mt_warps, mt_worst_warp (ns), mt_retries (per 1e6), mt_fallbacks, mt_host_ops   gauge: real threads
// The explorer findings are printed after the end table (report); `node dist/src/pvclock/report.js results/<run>/pvclock.csv` prints them from a file.
import { defineSuite, type Params, type Profile } from '../src/harness/kit.js';
import type { PvclockLoad } from '../src/pvclock/load.js';
import { pvclockLoad } from '../src/pvclock/load.js';
import type { PvclockModule } from '../src/pvclock/reader.js';
import { pvclockFindings } from '../src/pvclock/report.js';
import { appliesTo, preparePvclock } from '../src/pvclock/suite.js';

function grid(profile: Profile): Params[] {
  // explore = the explorer's exhaustive budget (interleavings) for the case
  if (profile === 'default') {
    return [
      { scheme: 'master', vcpus: 2, load: 'rebase', delta: -1000, explore: 4000 },
      { scheme: 'master', vcpus: 2, load: 'rebase', delta: 1000, explore: 4000 },
      // halt0 with delta > 0: the case where the readers differ (vDSO/syscall mix); delta < 0 is in --full
      { scheme: 'master', vcpus: 4, load: 'halt0', delta: 1000, explore: 4000 },
      { scheme: 'master', vcpus: 4, load: 'periodic', delta: 0, explore: 4000 },
      { scheme: 'nomaster', vcpus: 2, load: 'periodic', delta: -1000, explore: 4000 },
      { scheme: 'nomaster', vcpus: 2, load: 'periodic', delta: 1000, explore: 4000 },
    ];
  }
  const out: Params[] = [];
  for (const scheme of ['master', 'nomaster']) {
    for (const vcpus of [1, 2, 4, 8, 16]) {
      out.push({ scheme, vcpus, load: 'readers', delta: 0, explore: 20000 });
      for (const rate of [1, 10, 100])
        out.push({ scheme, vcpus, load: 'periodic', delta: scheme === 'master' ? 0 : -1000, rate, explore: 20000 });
      for (const delta of [-1000, 1000]) {
        out.push({ scheme, vcpus, load: 'rebase', delta, rate: 10, explore: 20000 });
        if (vcpus >= 2) out.push({ scheme, vcpus, load: 'migrate', delta, rate: 10, explore: 20000 });
        if (vcpus >= 2) out.push({ scheme, vcpus, load: 'halt0', delta, explore: 20000 });
      }
      out.push({ scheme, vcpus, load: 'stable', delta: 0, rate: 10, explore: 20000 });
    }
  }
  return out;
}

export default defineSuite<PvclockLoad, PvclockModule>({
  name: 'pvclock',
  question:
    'vDSO pvclock: per-CPU pvti (getcpu twice, retries) or vCPU0 pvti only, with and without the KVM masterclock?',
  variants: {
    percpu: () => import('../src/pvclock/percpu.js'),
    vcpu0: () => import('../src/pvclock/vcpu0.js'),
  },
  baseline: 'percpu',
  primaryMetric: 'read',
  report: pvclockFindings,
  grid,
  load: pvclockLoad,
  applies: (_module, params) => appliesTo(params),
  prepare: preparePvclock,
});
