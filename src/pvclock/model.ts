// The host and the guest readers as step programs for the interleaving explorer
// (src/harness/explore.ts). One atomic step = one shared store by the host, or one shared
// load (or rdtsc) by a reader, so every placement of a host store inside a read is explored.
//
// Faithful to KVM where it matters for warps (research/pvclock.md A.6):
//  - a pvti is rewritten by its own vCPU thread at its next entry, before any more guest code
//    runs on that vCPU: the task program of vCPU k applies a pending KVM_REQ_CLOCK_UPDATE
//    (as host steps) before its next guest step;
//  - kvm_gen_update_masterclock() is one atomic step: it kicks the running vCPUs out and
//    waits for them (KVM_REQUEST_WAIT), so no guest code runs between its stores;
//  - a halted vCPU is not woken; it applies its update only when it wakes (a program of its
//    own whose single wake-up can fall anywhere, including after every read).
// `updateAt: 'host'` replaces the entry rule by the picture in the 2015 thread (seeds/001:
// "KVM updates vcpu 0's pvti. Before KVM updates vcpu 1's pvti, guest code on vcpus 0 and 1
// see ... different pvti"): the host thread rewrites every pvti in turn while the guest runs.
//
// Warps are counted as kvmclock_test does (kvm-unit-tests x86/kvmclock_test.c), without its
// lock: a read that returns less than a read which completed before it started.
import type { Model, Program } from '../harness/explore.js';
import { createVm, DEFAULT_CYCLES_PER_TICK, DEFAULT_TSC_KHZ, type Vm } from './vm.js';
import { vlane, V_REQ_CLOCK_UPDATE } from './host.js';
import { PVCLOCK_FALLBACK, newObs, type GuestEnv, type ReaderVariant } from './reader.js';
import { readBody } from './pvti.js';

export type Scheme = 'master' | 'nomaster';
/**
 * host activity during the reads:
 *  rebase  - one masterclock update moving the base by delta (nomaster: one global clock update after the host drifted by delta)
 *  update  - KVM_REQ_CLOCK_UPDATE everywhere without moving the clock (a rewrite of the same values)
 *  halt0   - rebase while vCPU0 is halted (no task on it; it wakes once, anywhere)
 *  migrate - rebase, plus the guest scheduler swapping the two tasks' vCPUs twice (W1)
 *  stable  - the masterclock (and STABLE) switched off, then on again
 *  idle    - no host activity
 */
export type HostLoad = 'rebase' | 'update' | 'halt0' | 'migrate' | 'stable' | 'idle';

export interface ModelParams {
  readonly reader: ReaderVariant;
  readonly scheme: Scheme;
  readonly load: HostLoad;
  /** ns the rebase moves the clock base (either sign) */
  readonly delta: number;
  /** vCPUs that run a reading task (vCPU0 is added, halted, for 'halt0') */
  readonly taskVcpus: number;
  readonly readsPerTask: number;
  readonly torn: boolean;
  readonly updateAt: 'entry' | 'host';
  readonly stableWithoutMasterclock?: boolean;
  /** which violations end an interleaving */
  readonly checks: { readonly warp: boolean; readonly torn: boolean; readonly mixed: boolean };
}

export interface ModelState {
  readonly vm: Vm;
  readonly cpuOf: Int32Array;
  /** vCPU k is out of guest mode, running its entry update */
  readonly inHost: Uint8Array;
  /** `${pvti}:${version}` → [tsc_timestamp, system_time] as the host published it */
  readonly published: Map<string, readonly [number, number]>;
  /** largest value returned by a completed read */
  maxDone: number;
  /** the in-kernel last_value of pvclock_clocksource_read() (fallback path) */
  lastValue: number;
  reads: number;
  fallbacks: number;
  violation: { violation: string; size: number } | null;
}

export function buildModel(p: ModelParams): Model<ModelState> {
  const halted0 = p.load === 'halt0';
  const vcpus = p.taskVcpus + (halted0 ? 1 : 0);
  const firstTaskCpu = halted0 ? 1 : 0;
  const tasks = p.taskVcpus;
  const masterclock = p.scheme === 'master';

  const init = (): ModelState => {
    const vm = createVm({
      vcpus, tscKhz: DEFAULT_TSC_KHZ, cyclesPerTick: DEFAULT_CYCLES_PER_TICK, masterclock, torn: p.torn,
      stableWithoutMasterclock: p.stableWithoutMasterclock ?? false,
    }, false);
    const published = new Map<string, readonly [number, number]>();
    for (let k = 0; k < vcpus; k++) {
      const b = readBody(vm.area.lanes, k);
      published.set(`${k}:${b.version}`, [b.tsc_timestamp, b.system_time]);
    }
    vm.host.onPublish = (k, version, ts, st) => published.set(`${k}:${version}`, [ts, st]);
    const cpuOf = new Int32Array(tasks);
    for (let t = 0; t < tasks; t++) cpuOf[t] = firstTaskCpu + t;
    return {
      vm, cpuOf, inHost: new Uint8Array(vcpus), published, maxDone: -Infinity, lastValue: -Infinity,
      reads: 0, fallbacks: 0, violation: null,
    };
  };

  /** vcpu_enter_guest(): a pending clock update is applied on this vCPU's thread before guest code */
  function* entry(s: ModelState, cpu: number): Generator<string, void, void> {
    if (p.updateAt !== 'entry' || !s.vm.host.pending(cpu)) return;
    s.inHost[cpu] = 1;
    yield* s.vm.host.enter(cpu, true);
    s.inHost[cpu] = 0;
  }

  const taskProgram = (t: number): Program<ModelState> =>
    function* (s: ModelState) {
      const env: GuestEnv = { lanes: s.vm.area.lanes, tsc: s.vm.tsc, cpuOf: s.cpuOf, task: t };
      for (let r = 0; r < p.readsPerTask; r++) {
        yield* entry(s, s.cpuOf[t]!);
        const floor = s.maxDone;
        const obs = newObs();
        const g = p.reader.steps(env, obs);
        let res = g.next();
        while (res.done !== true) {
          yield res.value;
          yield* entry(s, s.cpuOf[t]!);
          res = g.next();
        }
        let value = res.value;
        let how = `vDSO read via pvti[${obs.pvti}]`;
        if (value === PVCLOCK_FALLBACK) {
          // STABLE clear: the syscall, i.e. pvclock_clocksource_read() on this vCPU's own pvti with
          // preemption off (only this vCPU writes it, and not while it runs guest code), then the
          // global last_value clamp (arch/x86/kernel/pvclock.c)
          s.fallbacks++;
          yield 'STABLE clear → syscall fallback';
          yield* entry(s, s.cpuOf[t]!);
          const cpu = s.cpuOf[t]!;
          const b = readBody(s.vm.area.lanes, cpu);
          const tsc = s.vm.tsc.rdtsc(cpu);
          let ns = s.vm.host.convert(tsc, b.tsc_timestamp, b.system_time);
          if (ns < s.lastValue) ns = s.lastValue;
          else s.lastValue = ns;
          value = ns;
          how = `syscall via pvti[${cpu}] + last_value`;
        } else if (s.violation === null) {
          const ref = s.published.get(`${obs.pvti}:${obs.version}`);
          const expect = ref === undefined ? NaN : s.vm.host.convert(obs.tsc, ref[0], ref[1]);
          if (p.checks.torn && value !== expect) {
            s.violation = { violation: `torn read: pvti[${obs.pvti}] version ${obs.version} announces a body giving ${expect} ns, the reader returned ${value} ns`, size: 1 };
          } else if (p.checks.mixed && obs.tscCpu !== obs.pvti) {
            // W1: the TSC came from another vCPU than the pvti; wrong iff that vCPU's own clock differs
            const own = readBody(s.vm.area.lanes, obs.tscCpu);
            const right = s.vm.host.convert(obs.tsc, own.tsc_timestamp, own.system_time);
            if (right !== value && (own.version & 1) === 0) {
              s.violation = { violation: `mixed read (W1): pvti[${obs.pvti}] with vCPU${obs.tscCpu}'s TSC gave ${value} ns, vCPU${obs.tscCpu}'s own pvti gives ${right} ns`, size: Math.abs(right - value) };
            }
          }
        }
        s.reads++;
        if (p.checks.warp && s.violation === null && value < floor) {
          s.violation = { violation: `warp: task${t} on vCPU${s.cpuOf[t]} (${how}) returned ${value} ns, ${floor - value} ns behind a read that had completed (${floor} ns)`, size: floor - value };
        }
        if (value > s.maxDone) s.maxDone = value;
        yield `read → ${value} ns`;
      }
    };

  const programs: { name: string; program: Program<ModelState> }[] = [];
  for (let t = 0; t < tasks; t++) programs.push({ name: `task${t}@vCPU${firstTaskCpu + t}`, program: taskProgram(t) });

  const hostProgram: Program<ModelState> = function* (s) {
    const h = s.vm.host;
    switch (p.load) {
      case 'idle':
        return;
      case 'update':
        h.queueAll();
        yield 'KVM_REQ_CLOCK_UPDATE on every vCPU (same clock)';
        break;
      case 'stable':
        h.setMasterClock(false);
        yield 'host clocksource change: use_master_clock = 0, KVM_REQ_CLOCK_UPDATE everywhere';
        h.setMasterClock(true);
        yield 'host clocksource back: use_master_clock = 1, new snapshot, KVM_REQ_CLOCK_UPDATE everywhere';
        break;
      default:
        if (masterclock) {
          h.snapshotAndQueue(p.delta);
          yield `kvm_gen_update_masterclock: entries blocked, master_kernel_ns moved by ${p.delta} ns, KVM_REQ_CLOCK_UPDATE queued, entries allowed`;
        } else {
          h.driftAndQueue(p.delta);
          yield `host clock drifted ${p.delta} ns off pvclock; KVM_REQ_CLOCK_UPDATE + kick on every vCPU`;
        }
    }
    if (p.updateAt === 'host') {
      // the 2015 thread's picture: the host rewrites each pvti while guest code keeps running
      for (let k = 0; k < vcpus; k++) {
        if (Atomics.compareExchange(h.ctl, vlane(k, V_REQ_CLOCK_UPDATE), 1, 0) === 1) yield* h.guestTimeUpdate(k, true);
      }
    }
  };
  if (p.load !== 'idle') programs.push({ name: 'host', program: hostProgram });

  if (halted0) {
    programs.push({
      name: 'vCPU0(halted)',
      program: function* (s) {
        yield 'vCPU0 wakes from HLT';
        if (p.updateAt === 'entry' && s.vm.host.pending(0)) {
          s.inHost[0] = 1;
          yield* s.vm.host.enter(0, true);
          s.inHost[0] = 0;
        }
      },
    });
  }

  if (p.load === 'migrate' && tasks >= 2) {
    const a = firstTaskCpu;
    const b = firstTaskCpu + 1;
    programs.push({
      name: 'sched',
      program: function* (s) {
        for (let m = 0; m < 2; m++) {
          // a swap needs both vCPUs in guest mode (each runs the other's task next)
          const h = s.vm.host;
          if (s.inHost[a] || s.inHost[b] || h.pending(a) || h.pending(b)) {
            yield `migration not possible now (a vCPU is out of guest mode)`;
            continue;
          }
          const t0 = s.cpuOf.indexOf(a);
          const t1 = s.cpuOf.indexOf(b);
          s.cpuOf[t0] = b;
          s.cpuOf[t1] = a;
          yield `guest scheduler migrates task${t0} → vCPU${b}, task${t1} → vCPU${a}`;
        }
      },
    });
  }

  return {
    init,
    programs,
    check: (s) => s.violation,
  };
}

