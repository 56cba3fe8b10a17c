// The computing half of the pvclock suite (bench/pvclock.ts only declares): per (variant,
// case) the gate, the exact counters (the gate's interleaving and the explorer's verdicts),
// the real-thread warp hunt (gauges) and the timed read. The case's parameters are parsed once
// (case.ts); the variant is its module, never its name.
import type { Counter, Params, Preparation, Timed } from '../harness/kit.js';
import { parseCase, tasksOf, type PvclockCase } from './case.js';
import { exploreCase, formatTrace, type ExploreLoad } from './findings.js';
import { runGate, type GateRun } from './gate.js';
import type { PvclockLoad } from './load.js';
import type { PvclockModule, PvclockReader, ReaderVariant } from './reader.js';
import { runThreads } from './threads.js';
import { createVm, DEFAULT_CYCLES_PER_TICK, DEFAULT_TSC_KHZ } from './vm.js';

const READS_PER_RUN = 1000;

/** a halted vCPU0 needs another vCPU to run the readers */
export function appliesTo(params: Params): boolean {
  const c = parseCase(params);
  return !(c.load === 'halt0' && c.vcpus < 2);
}

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
  }
}

function explorerCounters(
  prefix: string,
  reader: ReaderVariant,
  c: PvclockCase,
  seed: number,
  updateAt: 'entry' | 'host',
  syscallReads = false,
): Counter[] {
  // the explorer runs at most two reading tasks (the state space grows as steps^preemptions);
  // one task (vcpus=1) reads twice so that a step back between its own reads can show
  const taskVcpus = Math.max(1, Math.min(2, tasksOf(c)));
  const res = exploreCase({
    taskVcpus,
    readsPerTask: taskVcpus === 1 || syscallReads ? 2 : 1,
    reader,
    scheme: c.scheme,
    load: exploreLoadOf(c),
    delta: c.delta === 0 ? -1000 : c.delta,
    budget: c.explore,
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

function gateCounters(g: GateRun['state']): Counter[] {
  return [
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
  return {
    gate: () => gateRun().gate,
    counters(): Counter[] {
      const out = [...gateCounters(gateRun().state), ...explorerCounters('explore_', reader, c, seed, 'entry')];
      if (exploreLoadOf(c) === 'rebase' && c.scheme === 'master') {
        // the host as pictured in the 2015 thread: pvti rewritten by the host while guests run
        out.push(...explorerCounters('explore_hostwrite_', reader, c, seed, 'host'));
      }
      if (c.load === 'halt0' && c.scheme === 'master') {
        // each task's second read is a syscall (its own pvti), so vDSO and kernel timestamps
        // are mixed while vCPU0 sleeps on the old base
        out.push(...explorerCounters('explore_syscallmix_', reader, c, seed, 'entry', true));
      }
      return out;
    },
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
    timed: () => [timedRead(reader, c)],
  };
}
