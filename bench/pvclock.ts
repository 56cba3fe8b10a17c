// pvclock: should the vDSO read the clock through the pvti of the vCPU it runs on (percpu:
// two getcpu, version checks, retries) or through vCPU 0's pvti only (vcpu0, Lutomirski
// 2015), and what can each observe while KVM updates them? (seeds/001_dc3be301de6ca451.txt,
// research/pvclock.md part A.)
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
//   explore_syscallmix_* same, each task's second read a syscall (halt0 cases: the W3 cross-path)
//     *_interleavings, *_warp_reachable (0/1), *_worst_warp (ns), *_shortest (steps; detail = the trace)
//   mt_reads, mt_warps, mt_worst_warp (ns), mt_retries (per 1e6), mt_fallbacks, mt_host_ops   gauge: real threads
// The explorer findings are printed after the end table (report); `node dist/src/pvclock/report.js results/<run>/pvclock.csv` prints them from a file.
import { defineSuite, type Counter, type Params, type Profile, type Timed } from '../src/harness/kit.js';
import { pvclockLoad, loadKind, tasksOf, type PvclockLoad } from '../src/pvclock/load.js';
import { runGate, type GateRun } from '../src/pvclock/gate.js';
import { exploreCase, formatTrace, type ExploreLoad } from '../src/pvclock/findings.js';
import type { PvclockReader, ReaderVariant } from '../src/pvclock/reader.js';
import { createVm, DEFAULT_CYCLES_PER_TICK, DEFAULT_TSC_KHZ } from '../src/pvclock/vm.js';
import { runThreads } from '../src/pvclock/threads.js';
import { pvclockFindings } from '../src/pvclock/report.js';

const READS_PER_RUN = 1000;

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

/** the explorer's host activity for a case's load */
function exploreLoadOf(params: Params): ExploreLoad {
  switch (loadKind(params)) {
    case 'readers':
      return 'idle';
    case 'periodic':
      // with the masterclock a periodic update rewrites the same values; without it each one is a fresh sample off by up to |delta|
      return String(params['scheme']) === 'master' ? 'update' : 'rebase';
    case 'rebase':
      return 'rebase';
    case 'migrate':
      return 'migrate';
    case 'halt0':
      return 'halt0';
    case 'stable':
      return 'stable';
  }
}

function readerOf(module: unknown): ReaderVariant {
  const r = (module as { reader?: ReaderVariant }).reader;
  if (r === undefined || typeof r.create !== 'function' || typeof r.steps !== 'function') {
    throw new Error('pvclock variant module must export `reader: ReaderVariant`');
  }
  return r;
}

function explorerCounters(
  prefix: string,
  reader: ReaderVariant,
  params: Params,
  seed: number,
  updateAt: 'entry' | 'host',
  syscallReads = false,
): Counter[] {
  const delta = Number(params['delta']);
  // the explorer runs at most two reading tasks (the state space grows as steps^preemptions);
  // one task (vcpus=1) reads twice so that a step back between its own reads can show
  const taskVcpus = Math.max(1, Math.min(2, tasksOf(params)));
  const res = exploreCase({
    taskVcpus,
    readsPerTask: taskVcpus === 1 || syscallReads ? 2 : 1,
    reader,
    scheme: String(params['scheme']) === 'nomaster' ? 'nomaster' : 'master',
    load: exploreLoadOf(params),
    delta: delta === 0 ? -1000 : delta,
    budget: Number(params['explore'] ?? 4000),
    preemptionBound: 2,
    seed,
    updateAt,
    syscallReads,
  });
  const trace = formatTrace(res);
  return [
    {
      metric: `${prefix}interleavings`,
      unit: 'interleavings',
      value: res.interleavings,
      detail: res.exhaustive
        ? 'exhaustive (preemption bound 2)'
        : `budget reached; ${res.randomInterleavings} seeded random runs`,
    },
    { metric: `${prefix}warp_reachable`, unit: 'bool', value: res.violations > 0 ? 1 : 0 },
    { metric: `${prefix}worst_warp`, unit: 'ns', value: res.worst },
    { metric: `${prefix}shortest`, unit: 'steps', value: res.shortest?.steps.length ?? 0, detail: trace },
  ];
}

export default defineSuite<PvclockLoad, { readonly reader: ReaderVariant }>({
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
  applies(_variant, params) {
    return !(loadKind(params) === 'halt0' && Number(params['vcpus']) < 2);
  },
  prepare(module, params, load) {
    const reader = readerOf(module);
    const seed = load.seed;
    let run: GateRun | null = null;
    return {
      gate() {
        run = runGate(reader, params, load, seed);
        return run.gate;
      },
      async counters(): Promise<Counter[]> {
        const g = (run ?? (run = runGate(reader, params, load, seed))).state;
        const out: Counter[] = [
          {
            metric: 'retries',
            unit: 'per 1e6 reads',
            value: Math.round((g.retries / Math.max(1, g.reads)) * 1e6),
            detail: `${g.retries} retries in ${g.reads} reads of the gate's seeded interleaving`,
          },
          {
            metric: 'fallbacks',
            unit: 'reads',
            value: g.fallbacks,
            detail: `of ${g.reads} reads in the gate's seeded interleaving (STABLE clear → syscall)`,
          },
          {
            metric: 'gate_warps',
            unit: 'warps',
            value: g.warps,
            detail: 'kvmclock_test count on the seeded interleaving',
          },
          { metric: 'gate_worst_warp', unit: 'ns', value: g.worstWarp },
          ...explorerCounters('explore_', reader, params, seed, 'entry'),
        ];
        if (exploreLoadOf(params) === 'rebase' && String(params['scheme']) === 'master') {
          // the host as pictured in the 2015 thread: pvti rewritten by the host while guests run
          out.push(...explorerCounters('explore_hostwrite_', reader, params, seed, 'host'));
        }
        if (loadKind(params) === 'halt0' && String(params['scheme']) === 'master') {
          // research A.7 W3 cross-path: each task's second read is a syscall (its own pvti), so
          // vDSO and kernel timestamps are mixed while vCPU0 sleeps on the old base
          out.push(...explorerCounters('explore_syscallmix_', reader, params, seed, 'entry', true));
        }
        return out;
      },
      async gauges(): Promise<Counter[]> {
        const mt = await runThreads(reader.name, params, load, seed);
        return [
          {
            metric: 'mt_reads',
            unit: 'reads',
            value: mt.reads,
            detail: `${mt.readers} reader threads + host, ${mt.ms.toFixed(0)} ms, 2 cores`,
          },
          { metric: 'mt_warps', unit: 'warps', value: mt.warps },
          { metric: 'mt_worst_warp', unit: 'ns', value: mt.worstWarp },
          {
            metric: 'mt_retries',
            unit: 'per 1e6 reads',
            value: Math.round((mt.retries / Math.max(1, mt.reads)) * 1e6),
          },
          { metric: 'mt_fallbacks', unit: 'reads', value: mt.fallbacks },
          { metric: 'mt_host_ops', unit: 'ops', value: mt.hostOps },
        ];
      },
      timed(): Timed[] {
        // single thread, host quiescent: the cost of the read path itself
        let r: PvclockReader | null = null;
        return [
          {
            metric: 'read',
            unit: 'ns/read',
            ops: READS_PER_RUN,
            setup() {
              if (r !== null) return; // reads change nothing but the TSC: one VM serves every sample
              const vm = createVm(
                {
                  vcpus: Number(params['vcpus']),
                  tscKhz: DEFAULT_TSC_KHZ,
                  cyclesPerTick: DEFAULT_CYCLES_PER_TICK,
                  masterclock: String(params['scheme']) !== 'nomaster',
                  torn: false,
                },
                true,
              );
              const cpuOf = new Int32Array(new SharedArrayBuffer(4));
              r = reader.create({ lanes: vm.area.lanes, tsc: vm.tsc, cpuOf, task: 0 });
            },
            run() {
              const rd = r!;
              let acc = 0;
              for (let i = 0; i < READS_PER_RUN; i++) acc += rd.read();
              return acc;
            },
          },
        ];
      },
    };
  },
});
