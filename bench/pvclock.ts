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
// Case parameters (src/pvclock/case.ts): scheme, vcpus, load, delta, rate, explore (budget),
// host (KVM generation: 4.0 torn pvti copy, 4.9 KVM_SET_CLOCK without blocking entries, 5.16
// default), tick (reads between timekeeping updates: the vDSO's cycle_last), bound (the
// explorer's preemption bound, default 2), hostwrite (also explore the 2015 thread's picture),
// force0 (Tosatti's remedy for the stable->unstable window: vCPU0 updated in the transition),
// age (ns since the pvti were last written when the gate's and the explorer's reads start), offset (per-vCPU
// TSC offset: ns, or cycles with a 'c' suffix, ':'-separated, the last repeated) and drift
// (per-vCPU TSC rate error in ppm, the same pattern): unmatched TSCs keep the masterclock off;
// xticks (timekeeping updates the explorer places anywhere among its reads); tscwrite (ms after the
// VM's creation at which each vCPU is created and writes its TSC, the same pattern: KVM's
// matching of those writes decides the masterclock, by the host generation's rule).
//
// Metrics (kind):
//   read                 ns/read        timing   hot read, one thread, host quiescent (nomaster: the whole
//                                                 validated read before the STABLE check gives up; the syscall
//                                                 is not timed); setclock cases are not timed (same read path)
//   use_master_clock     bool           counter  ka->use_master_clock at boot (scheme, every vCPU in one TSC generation)
//   tsc_generation       generations    counter  kvm->arch.cur_tsc_generation (TSC writes KVM did not match)
//   tsc_matched_vcpus    vCPUs          counter  vCPUs in the current TSC generation
//   retries              per 1e6 reads  counter  gate interleaving
//   fallbacks            reads          counter  gate interleaving, of GATE_READS
//   gate_warps, gate_stalls  warps/stalls counter   kvmclock_test counts on the gate interleaving (t1 < t0, t1 == t0)
//   gate_worst_warp      ns             counter
//   gate_pvti_age        ns             counter  the oldest pvti a gate read converted (guest TSC since tsc_timestamp)
//   gate_age_error       ns             counter  worst |reading - host clock since that pvti was written| (drift x age)
//   gate_last_value_clamped reads       counter  syscall reads without STABLE raised to last_value
//   gate_clamped         reads          counter  vDSO reads raised to cycle_last (tick > 0)
//   gate_gtod_retries    reads          counter  vDSO reads redone because a timekeeping update overlapped them
//   vdso_pvti_pages      pages          counter  pages mapped for pvti with CONFIG_NR_CPUS=8192;
//   vdso_pvti_pages_used pages          counter  ... holding this VM's vCPUs' pvti (TLB entries across the VM)
//   explore_*            interleavings / bool / ns / steps (counter): KVM model, entries blocked, update at entry
//   explore_hostwrite_*  same, host rewriting pvti while guests run (the 2015 thread's picture; hostwrite=1)
//   explore_nomatch_*    same, a host keeping the masterclock with unmatched TSCs (offset/drift cases; not KVM)
//   explore_syscallmix_* same, each task's second read a syscall (halt0 cases: vDSO and kernel timestamps mixed)
//     *_interleavings, *_warp_reachable (0/1: a warp, or a torn read), *_worst_warp (ns: the warp, or
//     the torn read's error), *_shortest (steps; detail = the trace)
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
      // timekeeping updates every 50 reads: the vDSO's cycle_last clamp turns part of the warps into stalls
      { scheme: 'master', vcpus: 2, load: 'rebase', delta: -1000, tick: 50, explore: 4000 },
      { scheme: 'master', vcpus: 2, load: 'rebase', delta: 1000, explore: 4000 },
      // halt0 with delta > 0: the case where the readers differ (vDSO/syscall mix); delta < 0 is in --full
      { scheme: 'master', vcpus: 4, load: 'halt0', delta: 1000, explore: 4000 },
      // the revert's case: a 4.0-era host writing pvti in one copy, the task migrated inside its
      // read; guided search, exhaustive at preemption bound 3 (bound 4 in --full)
      // (age: the pvti were last written 1 ms before, so old and new bodies differ by more than delta)
      { scheme: 'master', vcpus: 2, load: 'revert', delta: 1000, host: '4.0', bound: 3, age: 1000000, explore: 4000 },
      // KVM_SET_CLOCK on a running VM, 4.9-5.15 (entries not blocked): the delta > 0 warp is real (not timed)
      { scheme: 'master', vcpus: 2, load: 'setclock', delta: 1000, host: '4.9', explore: 8000 },
      // Lutomirski's window: the masterclock turns off (a TSC write on vCPU2) while vCPU0 is halted
      // and keeps its STABLE pvti; Tosatti's remedy (force0=1) is in --full (not timed)
      { scheme: 'master', vcpus: 3, load: 'unstable', delta: 1000, explore: 4000 },
      // TSC matching (kvm_synchronize_tsc): vCPU1 hot-plugged 5 s after vCPU0, its creation's TSC
      // write of 0 outside the 1-second window of a 4.9 host: a new generation, no masterclock
      // (5.16 matches a 0, --full). Not timed: every vDSO read falls back
      { scheme: 'master', vcpus: 2, load: 'rebase', delta: 1000, host: '4.9', tscwrite: '0:5000', explore: 4000 },
    ];
  }
  const out: Params[] = [];
  for (const scheme of ['master', 'nomaster']) {
    for (const vcpus of [1, 2, 4, 8, 16]) {
      out.push({ scheme, vcpus, load: 'readers', delta: 0, explore: 20000 });
      if (scheme === 'master') out.push({ scheme, vcpus, load: 'periodic', delta: 0, explore: 20000 });
      for (const rate of [1, 10, 100])
        out.push({ scheme, vcpus, load: 'periodic', delta: scheme === 'master' ? 0 : -1000, rate, explore: 20000 });
      for (const delta of [-1000, 1000]) {
        out.push({ scheme, vcpus, load: 'rebase', delta, rate: 10, hostwrite: 1, explore: 20000 });
        // xticks: the explorer's timekeeper, one update anywhere among the explored reads
        if (scheme === 'master')
          out.push({ scheme, vcpus, load: 'rebase', delta, rate: 10, tick: 50, xticks: 1, explore: 20000 });
        if (vcpus >= 2) out.push({ scheme, vcpus, load: 'migrate', delta, rate: 10, explore: 20000 });
        if (vcpus >= 2) out.push({ scheme, vcpus, load: 'halt0', delta, explore: 20000 });
      }
      out.push({ scheme, vcpus, load: 'stable', delta: 0, rate: 10, explore: 20000 });
      if (scheme === 'nomaster') out.push({ scheme, vcpus, load: 'periodic', delta: 1000, rate: 10, explore: 20000 });
    }
  }
  for (const delta of [-1000, 1000]) {
    for (const force0 of [0, 1])
      out.push({ scheme: 'master', vcpus: 3, load: 'unstable', delta, force0, explore: 20000 });
    out.push({ scheme: 'master', vcpus: 3, load: 'late0', delta, explore: 20000 });
  }
  // TSC offset and drift (kvm_track_tsc_matching): matched offsets keep the masterclock, an
  // unmatched offset or rate turns it off (STABLE clear everywhere, every vDSO read falls back)
  out.push({ scheme: 'master', vcpus: 2, load: 'readers', delta: 0, offset: 1000, explore: 20000 });
  for (const offset of ['0:1000', '0:-1000'])
    for (const tick of [0, 50])
      out.push({ scheme: 'master', vcpus: 2, load: 'rebase', delta: 1000, offset, tick, explore: 20000 });
  for (const drift of ['0:100', '0:-1000'])
    out.push({ scheme: 'master', vcpus: 2, load: 'rebase', delta: 1000, drift, age: 1000000000, explore: 20000 });
  // the same drift on every vCPU keeps the masterclock; with the pvti 1 s old the readers'
  // clock is 100 µs off the host's and the rebase pulls it back: a warp only for a fast TSC
  for (const drift of [100, -100])
    out.push({ scheme: 'master', vcpus: 2, load: 'rebase', delta: 1000, drift, age: 1000000000, explore: 20000 });
  out.push({ scheme: 'master', vcpus: 3, load: 'unstable', delta: 1000, offset: '0:0:2500c', explore: 20000 });
  // TSC matching by generation and window (kvm_synchronize_tsc): a vCPU hot-plugged 5 s or 0.5 s
  // after the others, on each host generation; four vCPUs created 0.6 s apart (the window moves
  // with each write, so 1.8 s in all still match on a 4.0 host)
  for (const host of ['4.0', '4.9', '5.16']) {
    for (const tscwrite of ['0:5000', '0:500'])
      out.push({ scheme: 'master', vcpus: 2, load: 'rebase', delta: 1000, host, tscwrite, explore: 20000 });
    out.push({
      scheme: 'master',
      vcpus: 4,
      load: 'rebase',
      delta: 1000,
      host,
      tscwrite: '0:600:1200:1800',
      explore: 20000,
    });
  }
  // the explorer runs two vCPUs whatever the VM's size: the revert case once, on both hosts
  for (const host of ['4.0', '5.16'])
    out.push({ scheme: 'master', vcpus: 2, load: 'revert', delta: 1000, host, bound: 4, age: 1000000, explore: 40000 });
  for (const vcpus of [2, 4]) {
    for (const host of ['4.9', '5.16'])
      for (const delta of [-1000, 1000])
        for (const tick of [0, 50])
          out.push({ scheme: 'master', vcpus, load: 'setclock', delta, host, tick, rate: 10, explore: 20000 });
  }
  return out;
}

export default defineSuite<PvclockLoad, PvclockModule>({
  name: 'pvclock',
  question:
    'vDSO pvclock: per-CPU pvti (getcpu twice, retries) or vCPU0 pvti only, with and without the KVM masterclock?',
  variants: {
    percpu: () => import('../src/pvclock/percpu.js'),
    'percpu-v4.0': () => import('../src/pvclock/percpu-v40.js'),
    vcpu0: () => import('../src/pvclock/vcpu0.js'),
  },
  baseline: 'percpu',
  primaryMetric: 'read',
  report: pvclockFindings,
  grid,
  load: pvclockLoad,
  applies: appliesTo,
  prepare: preparePvclock,
  // which way a counter should move (README, "Comparing runs")
  better: {
    retries: 'lower',
    fallbacks: 'lower',
    gate_warps: 'lower',
    gate_worst_warp: 'lower',
    gate_stalls: 'lower',
    vdso_pvti_pages: 'lower',
    vdso_pvti_pages_used: 'lower',
    '*_warp_reachable': 'lower',
    '*_worst_warp': 'lower',
  },
});
