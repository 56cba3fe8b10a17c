// The suite's work inside the worker: the case parsed once, the capacity row, the gate's run,
// its exact counters, the explorer's verdicts, the real-thread run (gauges) and the timed body.
import { type Counter, type Params, type Preparation, type Timed, unsupported } from '../harness/kit.js';
import type { ExploreResult } from '../harness/kit.js';
import { exploreCase, formatTrace, type Shape, shapesFor } from './findings.js';
import { Driver, gateOf, runResume } from './gate.js';
import { caseOf, type VcpuinfoCase, type VcpuinfoLoad } from './load.js';
import type { MachineConfig } from './machine.js';
import type { Resume } from './programs.js';
import { capacityOf, type RestoreStrategy, VCPU_INFO_BYTES, XEN_LEGACY_MAX_VCPUS } from './strategy.js';
import { runThreads } from './threads.js';

export function machineConfig(s: RestoreStrategy, c: VcpuinfoCase, load: VcpuinfoLoad): MachineConfig {
  return {
    vcpus: c.vcpus,
    legacyMax: XEN_LEGACY_MAX_VCPUS,
    bindOf: load.bindOf,
    host: c.host,
    placement: s.placement,
    forceTime: c.forceTime,
    failVcpu: c.failVcpu,
    cancelled: c.cancelled,
    injection: c.injection,
  };
}

export function applies(s: RestoreStrategy, params: Params): boolean {
  return s.guests.includes(caseOf(params).guest);
}

export function countersOf(s: RestoreStrategy, c: VcpuinfoCase, r: Resume): Counter[] {
  const m = r.m;
  const h = m.hypercalls;
  const registered = s.placement === 'registered';
  const n = c.vcpus;
  return [
    { metric: 'hc_is_up', unit: 'hypercalls', value: h.is_up },
    { metric: 'hc_down', unit: 'hypercalls', value: h.down },
    { metric: 'hc_register', unit: 'hypercalls', value: h.register, detail: `${h.register_failed} failed` },
    { metric: 'hc_up', unit: 'hypercalls', value: h.up },
    { metric: 'hc_total', unit: 'hypercalls', value: h.is_up + h.down + h.register + h.up },
    { metric: 'toolstack_restores', unit: 'ops', value: m.toolstackOps, detail: 'area mappings by the toolstack' },
    {
      metric: 'pause_transitions',
      unit: 'transitions',
      value: m.pauses,
      detail: 'VCPUOP_down (_VPF_down) and vcpu_pause of a remote registration target',
    },
    { metric: 'unpause_transitions', unit: 'transitions', value: m.unpauses },
    { metric: 'ipis', unit: 'IPIs', value: r.ipis, detail: 'guest IPIs that quiesce the APs' },
    {
      metric: 'critical_path',
      unit: 'steps',
      value: r.criticalPath(),
      detail: 'longest causal chain of hypercalls, releases and domain_lock holds',
    },
    {
      metric: 'critical_path_unlocked',
      unit: 'steps',
      value: r.criticalPathUnlocked(),
      detail: 'the same chain if registrations did not serialise on domain_lock',
    },
    { metric: 'worst_down', unit: 'vCPUs', value: m.worstDown, detail: 'down or paused by Xen at once' },
    { metric: 'down_scan', unit: 'vCPUs', value: m.downScanVcpus, detail: "VCPUOP_down's scan of every vCPU" },
    {
      metric: 'spurious_scan_words',
      unit: 'words',
      value: m.spuriousScanWords,
      detail: 'event words read by scans of an all-ones selector left by a registration',
    },
    {
      metric: 'stale_upcalls',
      unit: 'upcalls',
      value: m.staleUpcalls,
      detail: 'through a vcpu_info Xen no longer writes',
    },
    {
      metric: 'clock_bad_reads',
      unit: 'reads',
      value: m.clockBad,
      detail: `of ${m.clockReads} clock reads right after registration: zero or another host's time (${c.forceTime ? 'Xen forces a time update at registration' : 'no forced update'})`,
    },
    {
      metric: 'clock_bad_reads_unforced',
      unit: 'reads',
      value: m.clockBadUnforced,
      detail: 'the same reads without force_update_vcpu_system_time (Xen before 4.16): INV-B1',
    },
    { metric: 'vcpu_info_bytes_vcpu', unit: 'bytes', value: VCPU_INFO_BYTES },
    {
      metric: 'vcpu_info_bytes_guest',
      unit: 'bytes',
      value: registered ? n * VCPU_INFO_BYTES : XEN_LEGACY_MAX_VCPUS * VCPU_INFO_BYTES,
      detail: registered
        ? 'registered areas in guest memory (the 32 shared_info slots stay, unused)'
        : 'the fixed vcpu_info[32] array of shared_info',
    },
    { metric: 'capacity', unit: 'vCPUs', value: capacityOf(s, c.guest) },
  ];
}

interface ExplorerRun {
  /** metric prefix, e.g. explore_slot_ or explore_slot_stale_ */
  readonly prefix: string;
  readonly shape: Shape;
  readonly res: ExploreResult;
}

/**
 * The explorer's runs for a case: per shape, the harm check and the stale check under the
 * case's injection; with the level-triggered callback vector, also the harm check under the
 * edge-triggered per-vCPU vector, where a callback taken through the wrong area is not repeated.
 */
function explorerRuns(s: RestoreStrategy, c: VcpuinfoCase, seed: number, harmOnly: boolean): ExplorerRun[] {
  const out: ExplorerRun[] = [];
  const run = (prefix: string, shape: Shape, check: 'harm' | 'stale', injection: 'level' | 'edge'): void => {
    const res = exploreCase({
      strategy: s,
      shape,
      host: c.host,
      cancelled: c.cancelled,
      fail: c.failVcpu >= 0,
      injection,
      budget: c.explore,
      seed,
      check,
    });
    out.push({ prefix, shape, res });
  };
  for (const shape of shapesFor(s)) {
    run(`explore_${shape}_`, shape, 'harm', c.injection);
    if (!harmOnly) run(`explore_${shape}_stale_`, shape, 'stale', c.injection);
  }
  if (c.injection === 'level') run('explore_slot_lapic_', 'slot', 'harm', 'edge');
  return out;
}

function explorerCounters(s: RestoreStrategy, c: VcpuinfoCase, seed: number): Counter[] {
  if (c.explore === 0) return [];
  const out: Counter[] = [];
  for (const { prefix: pre, res } of explorerRuns(s, c, seed, false)) {
    out.push(
      {
        metric: `${pre}interleavings`,
        unit: 'interleavings',
        value: res.interleavings,
        detail: res.exhaustive
          ? 'exhaustive (preemption bound 2)'
          : `budget reached; ${res.randomInterleavings} seeded random runs`,
      },
      { metric: `${pre}violation`, unit: 'bool', value: res.violations > 0 ? 1 : 0 },
      { metric: `${pre}shortest`, unit: 'steps', value: res.shortest?.steps.length ?? 0, detail: formatTrace(res) },
    );
  }
  return out;
}

/** the explorer's budget for explaining a failed gate in a case that does not explore */
const FAILURE_BUDGET = 500;

/** A failed gate never reaches counters(): its row carries the explorer's shortest harm instead. */
function explainFailure(s: RestoreStrategy, c: VcpuinfoCase, seed: number): string {
  const budget = c.explore > 0 ? c.explore : FAILURE_BUDGET;
  for (const { prefix, res } of explorerRuns(s, { ...c, explore: budget }, seed, true)) {
    if (res.shortest !== null) return ` | explorer (${prefix.slice(8, -1)}): ${formatTrace(res)}`;
  }
  return ' | explorer: no harm found in its budget';
}

export function prepareCase(s: RestoreStrategy, params: Params, load: VcpuinfoLoad): Preparation {
  const c = caseOf(params);
  const cap = capacityOf(s, c.guest);
  if (c.vcpus > cap) {
    return unsupported(
      s.placement === 'shared-info'
        ? `shared_info holds vcpu_info for XEN_LEGACY_MAX_VCPUS = ${cap} vCPUs; vCPU ${cap} and up need VCPUOP_register_vcpu_info`
        : `a ${c.guest.toUpperCase()} domain has at most ${cap} vCPUs`,
    );
  }
  const cfg = machineConfig(s, c, load);
  let run: Resume | null = null;
  const once = (): Resume => (run ??= runResume(s, cfg, load.sends, load.seed));
  return {
    gate() {
      const g = gateOf(once());
      return g.ok ? g : { ...g, actual: g.actual + explainFailure(s, c, load.seed) };
    },
    counters: () => [...countersOf(s, c, once()), ...explorerCounters(s, c, load.seed)],
    async gauges(): Promise<Counter[]> {
      if (s.apState !== 'parked' || !s.apRegistersSelf) return [];
      const t = await runThreads(c.vcpus);
      return [
        { metric: 'mt_threads', unit: 'threads', value: t.threads, detail: 'AP workers over one SharedArrayBuffer' },
        {
          metric: 'mt_lock_contended',
          unit: 'acquisitions',
          value: t.contended,
          detail: 'domain_lock taken after a wait',
        },
        { metric: 'mt_resume_us', unit: 'µs', value: t.us, detail: 'release → last AP registered, this machine' },
      ];
    },
    timed(): Timed[] {
      let d: Driver | null = null;
      return [
        {
          metric: 'resume',
          unit: 'ns/vcpu',
          ops: c.vcpus,
          setup() {
            d = new Driver(s, cfg, load.sends, load.seed);
          },
          run: () => d!.run().m.upcalls,
        },
      ];
    },
  };
}
