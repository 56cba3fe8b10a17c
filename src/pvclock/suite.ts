// The computing half of the pvclock suite (bench/pvclock.ts only declares): per (variant,
// case) the gate, the exact counters (the gate's interleaving and the explorer's verdicts),
// the real-thread warp hunt (gauges) and the timed read. The case's parameters are parsed once
// (case.ts); the variant is its module, never its name.
import type { Counter, Params, Preparation, Prepared, Timed } from '../harness/kit.js';
import { halted0, parseCase, tasksOf, tscRuleOf, unmatched, type PvclockCase } from './case.js';
import { exploreCase, formatTrace, type ExploreLoad } from './findings.js';
import { runGate, type GateRun } from './gate.js';
import type { PvclockLoad } from './load.js';
import type { PvclockModule, PvclockReader, ReaderVariant } from './reader.js';
import { runThreads } from './threads.js';
import { createVm, DEFAULT_CYCLES_PER_TICK, DEFAULT_TSC_KHZ } from './vm.js';

const READS_PER_RUN = 1000;
/** loads whose read path (host quiescent) is that of the rebase cases: not timed again */
const UNTIMED: readonly PvclockCase['load'][] = ['setclock', 'unstable', 'late0'];

/** the module says which hosts it is measured on; a halted vCPU0 needs another vCPU to run readers */
export function appliesTo(module: PvclockModule, params: Params): boolean {
  const c = parseCase(params);
  if (module.reader.hosts !== undefined && !module.reader.hosts.includes(c.host)) return false;
  return c.vcpus >= 2 || !(halted0(c) || c.load === 'late0' || c.load === 'revert' || c.load === 'migrate');
}

/** CONFIG_NR_CPUS of distribution kernels (MAXSMP): the fixmap holds a pvti for each possible CPU */
const NR_CPUS = 8192;

/** the explorer's host activity for a case's load */
function exploreLoadOf(c: PvclockCase): ExploreLoad {
  switch (c.load) {
    case 'readers':
      return 'idle';
    case 'periodic':
      // with the masterclock a periodic update rewrites the same values; without it each one is a fresh sample off by up to |delta|
      return c.scheme === 'master' ? 'update' : 'rebase';
    case 'rebase':
      return 'rebase';
    case 'migrate':
      return 'migrate';
    case 'halt0':
      return 'halt0';
    case 'stable':
      return 'stable';
    case 'revert':
      return 'revert';
    case 'setclock':
      return 'setclock';
    case 'unstable':
      return 'unstable';
    case 'late0':
      return 'late0';
  }
}

function explorerCounters(
  prefix: string,
  reader: ReaderVariant,
  c: PvclockCase,
  seed: number,
  updateAt: 'entry' | 'host',
  syscallReads = false,
  ignoreTscMatching = false,
): Counter[] {
  // the explorer runs at most two reading tasks (the state space grows as steps^preemptions);
  // one task (vcpus=1) reads twice so that a step back between its own reads can show
  const taskVcpus = Math.max(1, Math.min(2, tasksOf(c)));
  const load = exploreLoadOf(c);
  const res = exploreCase({
    taskVcpus,
    readsPerTask: taskVcpus === 1 || syscallReads ? 2 : 1,
    reader,
    scheme: c.scheme,
    load,
    delta: c.delta === 0 ? -1000 : c.delta,
    budget: c.explore,
    preemptionBound: c.bound,
    seed,
    updateAt,
    syscallReads,
    torn: c.host === '4.0',
    setClockUnblocked: c.host === '4.9',
    force0: c.force0,
    ageNs: c.age,
    // the explorer's vCPU k is the case's vCPU k (it runs at most three)
    tscOffset: c.offset,
    tscDriftPpb: c.driftPpb,
    tscRule: tscRuleOf(c.host),
    tscCreatedAtNs: c.createdAtNs,
    ignoreTscMatching,
    // timekeeping updates the explorer places anywhere among its reads (`xticks`, --full)
    timekeeperTicks: c.xticks,
  });
  const trace = formatTrace(res);
  return [
    {
      metric: `${prefix}interleavings`,
      unit: 'interleavings',
      value: res.interleavings,
      detail: res.exhaustive
        ? `exhaustive (preemption bound ${c.bound})`
        : `budget reached; ${res.randomInterleavings} seeded random runs`,
    },
    { metric: `${prefix}warp_reachable`, unit: 'bool', value: res.violations > 0 ? 1 : 0 },
    { metric: `${prefix}worst_warp`, unit: 'ns', value: res.worst },
    { metric: `${prefix}shortest`, unit: 'steps', value: res.shortest?.steps.length ?? 0, detail: trace },
  ];
}

function gateCounters(g: GateRun['state']): Counter[] {
  return [
    {
      metric: 'use_master_clock',
      unit: 'bool',
      value: g.masterAtBoot ? 1 : 0,
      detail:
        'ka->use_master_clock at boot: needs the scheme and every vCPU in one TSC generation (nr_vcpus_matched_tsc + 1 == online_vcpus)',
    },
    {
      metric: 'tsc_generation',
      unit: 'generations',
      value: g.vm.sync.cur_tsc_generation,
      detail:
        "kvm->arch.cur_tsc_generation at the end of the gate's run: TSC writes KVM did not match (vCPU creation's first included)",
    },
    {
      metric: 'tsc_matched_vcpus',
      unit: 'vCPUs',
      value: g.vm.sync.inCurrentGeneration(),
      detail: `vCPUs in the current TSC generation (nr_vcpus_matched_tsc + 1) of ${g.vm.sync.online_vcpus} online`,
    },
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
    { metric: 'gate_warps', unit: 'warps', value: g.warps, detail: 'kvmclock_test count on the seeded interleaving' },
    { metric: 'gate_worst_warp', unit: 'ns', value: g.worstWarp },
    {
      metric: 'gate_stalls',
      unit: 'stalls',
      value: g.stalls,
      detail: 'kvmclock_test count: a read equal to the one before it',
    },
    {
      metric: 'gate_pvti_age',
      unit: 'ns',
      value: Math.round(g.age.pvtiAge),
      detail: 'the oldest pvti a read converted: guest TSC since its tsc_timestamp, at the nominal scale',
    },
    {
      metric: 'gate_age_error',
      unit: 'ns',
      value: Math.round(g.age.ageError),
      detail:
        g.age.ageErrorAt > 0
          ? `worst |reading - host clock since the pvti was written|, at a pvti age of ${(g.age.ageErrorAt / 1e9).toPrecision(4)} s: ${((g.age.ageError / g.age.ageErrorAt) * 1e6).toPrecision(4)} ppm of the age`
          : 'worst |reading - host clock since the pvti was written|',
    },
    {
      metric: 'gate_last_value_clamped',
      unit: 'reads',
      value: g.lastValueClamped,
      detail:
        'syscall reads without STABLE raised to last_value (pvclock_clocksource_read): a vCPU whose clock was behind',
    },
    {
      metric: 'gate_clamped',
      unit: 'reads',
      value: g.clamped,
      detail: 'vDSO reads raised to gtod->cycle_last (vread_pvclock / do_hres clamp)',
    },
    {
      metric: 'gate_gtod_retries',
      unit: 'reads',
      value: g.gtodRetries,
      detail: 'vDSO reads done again because a timekeeping update overlapped them (gtod seqcount)',
    },
  ];
}

function pageCounters(reader: ReaderVariant, c: PvclockCase): Counter[] {
  return [
    {
      metric: 'vdso_pvti_pages',
      unit: 'pages',
      value: reader.pvtiPages(NR_CPUS),
      detail: `4 KiB pages mapped into every process for pvti, CONFIG_NR_CPUS=${NR_CPUS}`,
    },
    {
      metric: 'vdso_pvti_pages_used',
      unit: 'pages',
      value: reader.pvtiPages(c.vcpus),
      detail: `pages holding the pvti that readers on this VM's ${c.vcpus} vCPUs read: TLB entries across the VM`,
    },
  ];
}

function timedRead(reader: ReaderVariant, c: PvclockCase): Timed {
  // single thread, host quiescent: the cost of the read path itself
  let r: PvclockReader | null = null;
  return {
    metric: 'read',
    unit: 'ns/read',
    ops: READS_PER_RUN,
    setup() {
      if (r !== null) return; // reads change nothing but the TSC: one VM serves every sample
      const vm = createVm(
        {
          vcpus: c.vcpus,
          tscKhz: DEFAULT_TSC_KHZ,
          cyclesPerTick: DEFAULT_CYCLES_PER_TICK,
          masterclock: c.scheme === 'master',
          torn: false,
          tscOffset: c.offset,
          tscDriftPpb: c.driftPpb,
          tscRule: tscRuleOf(c.host),
          tscCreatedAtNs: c.createdAtNs,
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
  };
}

export function preparePvclock(module: PvclockModule, params: Params, load: PvclockLoad): Preparation {
  const c = parseCase(params);
  const reader = module.reader;
  const seed = load.seed;
  let run: GateRun | null = null;
  const gateRun = (): GateRun => (run ??= runGate(reader, c, load, seed));
  const prepared: Prepared = {
    gate: () => gateRun().gate,
    counters(): Counter[] {
      const out = [
        ...gateCounters(gateRun().state),
        ...pageCounters(reader, c),
        ...explorerCounters('explore_', reader, c, seed, 'entry'),
      ];
      if (c.hostwrite && exploreLoadOf(c) === 'rebase' && c.scheme === 'master') {
        // the host as pictured in the 2015 thread: pvti rewritten by the host while guests run
        out.push(...explorerCounters('explore_hostwrite_', reader, c, seed, 'host'));
      }
      if ((c.load === 'halt0' || c.load === 'late0') && c.scheme === 'master') {
        // each task's second read is a syscall (its own pvti), so vDSO and kernel timestamps
        // are mixed while vCPU0 sleeps on the old base
        out.push(...explorerCounters('explore_syscallmix_', reader, c, seed, 'entry', true));
      }
      if (unmatched(c) && c.scheme === 'master') {
        // what vcpus_matched protects against: a host that kept the masterclock (and STABLE)
        // with these TSCs
        out.push(...explorerCounters('explore_nomatch_', reader, c, seed, 'entry', false, true));
      }
      return out;
    },
    // the host is quiescent while timing: these loads time the same read as the rebase cases,
    // and a case about the host's TSC matching (tscwrite) times nothing but the host's verdict
    timed: () => (UNTIMED.includes(c.load) || c.createdAtNs.some((t) => t !== 0) ? [] : [timedRead(reader, c)]),
  };
  // real threads cannot replay the unstable load's TSC write (each worker has its own view of
  // the offsets): no gauges there rather than misleading ones
  if (c.load === 'unstable') return prepared;
  return {
    ...prepared,
    async gauges(): Promise<Counter[]> {
      const mt = await runThreads(module, c, load);
      return [
        {
          metric: 'mt_reads',
          unit: 'reads',
          value: mt.reads,
          detail: `${mt.readers} reader threads + host, ${mt.ms.toFixed(0)} ms, 2 cores`,
        },
        { metric: 'mt_warps', unit: 'warps', value: mt.warps },
        { metric: 'mt_worst_warp', unit: 'ns', value: mt.worstWarp },
        { metric: 'mt_retries', unit: 'per 1e6 reads', value: Math.round((mt.retries / Math.max(1, mt.reads)) * 1e6) },
        { metric: 'mt_fallbacks', unit: 'reads', value: mt.fallbacks },
        { metric: 'mt_host_ops', unit: 'ops', value: mt.hostOps },
      ];
    },
  };
}
