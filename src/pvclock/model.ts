// The host and the guest readers as step programs for the interleaving explorer
// (src/harness/explore.ts). One atomic step = one shared store by the host, or one shared
// load (or rdtsc) by a reader, so every placement of a host store inside a read is explored.
//
// Faithful to KVM where it matters for warps (torvalds/linux arch/x86/kvm/x86.c):
//  - a pvti is rewritten by its own vCPU thread at its next entry, before any more guest code
//    runs on that vCPU: the task program of vCPU k applies a pending KVM_REQ_CLOCK_UPDATE
//    (as host steps) before its next guest step;
//  - kvm_gen_update_masterclock() is one atomic step: it kicks the running vCPUs out and
//    waits for them (KVM_REQUEST_WAIT), so no guest code runs between its stores;
//  - a halted vCPU (no task) is not woken; it applies its update only at its 'wake0'.
// `updateAt: 'host'` replaces the entry rule by the picture in the 2015 thread (Lutomirski,
// kvm list, 25 March 2015: "KVM updates vcpu 0's pvti. Before KVM updates vcpu 1's pvti, guest code on vcpus 0 and 1
// see ... different pvti"): the host thread rewrites every pvti in turn while the guest runs.
//
// Warps are counted as kvmclock_test does (kvm-unit-tests x86/kvmclock_test.c), without its
// lock: a read that returns less than a read which completed before it started.
import { Rng, SPIN_PREFIX, type Model, type Program } from '../harness/kit.js';
import type { Scheme } from './case.js';
import { createVm, DEFAULT_CYCLES_PER_TICK, DEFAULT_TSC_KHZ, type Vm } from './vm.js';
import { CTL_USE_MASTER_CLOCK, vlane, V_REQ_CLOCK_UPDATE } from './host.js';
import { PVCLOCK_FALLBACK, newObs, type GuestEnv, type PvclockReader, type ReaderVariant } from './reader.js';
import { LANE_VERSION, PVCLOCK_TSC_STABLE_BIT, pvtiBase, readBody } from './pvti.js';
import type { Op } from './ops.js';

export interface ModelParams {
  readonly reader: ReaderVariant;
  readonly scheme: Scheme;
  /** vCPUs in the VM; with halted0, vCPU0 runs no task */
  readonly vcpus: number;
  readonly halted0: boolean;
  readonly readsPerTask: number;
  readonly hostOps: readonly Op[];
  readonly schedOps: readonly Op[];
  readonly torn: boolean;
  readonly updateAt: 'entry' | 'host';
  readonly stableWithoutMasterclock?: boolean;
  /** per-vCPU TSC offsets in cycles (unsynced host); default synced */
  readonly tscOffset?: readonly number[];
  /** which violations end an interleaving */
  readonly checks: { readonly warp: boolean; readonly torn: boolean; readonly mixed: boolean };
  /** every other read through the variant's hot read() when no pvti is being written (the gate) */
  readonly hotReads?: boolean;
  /** every other read is a clock_gettime syscall (the in-kernel reader) instead of the vDSO */
  readonly syscallReads?: boolean;
}

export interface Mismatch {
  readonly at: number;
  readonly expected: string;
  readonly actual: string;
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
  /** value of the read that completed last */
  lastDone: number;
  /** the in-kernel last_value of pvclock_clocksource_read() (fallback path) */
  lastValue: number;
  reads: number;
  fallbacks: number;
  retries: number;
  tasksDone: number;
  /** kvmclock_test's count: reads below the read that completed last before they started */
  warps: number;
  /** kvmclock_test's worst warp, in ns */
  worstWarp: number;
  mismatch: Mismatch | null;
  violation: { violation: string; size: number } | null;
}

export function buildModel(p: ModelParams): Model<ModelState> {
  const vcpus = p.vcpus;
  const firstTaskCpu = p.halted0 ? 1 : 0;
  const tasks = vcpus - firstTaskCpu;
  if (tasks < 1) throw new RangeError('pvclock model: no vCPU left to run a task');
  const masterclock = p.scheme === 'master';

  const init = (): ModelState => {
    const vm = createVm(
      {
        vcpus,
        tscKhz: DEFAULT_TSC_KHZ,
        cyclesPerTick: DEFAULT_CYCLES_PER_TICK,
        masterclock,
        torn: p.torn,
        stableWithoutMasterclock: p.stableWithoutMasterclock ?? false,
        tscOffset: p.tscOffset ?? [],
      },
      false,
    );
    const published = new Map<string, readonly [number, number]>();
    for (let k = 0; k < vcpus; k++) {
      const b = readBody(vm.area.lanes, k);
      published.set(`${k}:${b.version}`, [b.tsc_timestamp, b.system_time]);
    }
    vm.host.onPublish = (k, version, ts, st) => published.set(`${k}:${version}`, [ts, st]);
    const cpuOf = new Int32Array(tasks);
    for (let t = 0; t < tasks; t++) cpuOf[t] = firstTaskCpu + t;
    return {
      vm,
      cpuOf,
      inHost: new Uint8Array(vcpus),
      published,
      maxDone: -Infinity,
      lastDone: -Infinity,
      lastValue: -Infinity,
      reads: 0,
      fallbacks: 0,
      retries: 0,
      tasksDone: 0,
      warps: 0,
      worstWarp: 0,
      mismatch: null,
      violation: null,
    };
  };

  /** vcpu_enter_guest(): a pending clock update is applied on this vCPU's thread before guest code */
  function* entry(s: ModelState, cpu: number): Generator<string, void, void> {
    if (p.updateAt !== 'entry' || !s.vm.host.pending(cpu)) return;
    s.inHost[cpu] = 1;
    const g = s.vm.host.enter(cpu, true);
    for (let r = g.next(); r.done !== true; r = g.next()) yield `vCPU${cpu} entry (host mode): ${r.value}`;
    s.inHost[cpu] = 0;
  }

  const quiescent = (s: ModelState): boolean => {
    for (let k = 0; k < vcpus; k++)
      if ((s.vm.area.lanes[pvtiBase(k) + LANE_VERSION]! & 1) !== 0 || s.inHost[k]) return false;
    return true;
  };

  /** value against the BigInt conversion of the body published under the version the reader saw */
  const reference = (s: ModelState, pvti: number, version: number, tsc: number): number => {
    const ref = s.published.get(`${pvti}:${version}`);
    return ref === undefined ? NaN : s.vm.host.convert(tsc, ref[0], ref[1]);
  };

  const taskProgram = (t: number): Program<ModelState> =>
    function* (s: ModelState) {
      const env: GuestEnv = { lanes: s.vm.area.lanes, tsc: s.vm.tsc, cpuOf: s.cpuOf, task: t };
      const hot: PvclockReader | null = p.hotReads === true ? p.reader.create(env) : null;
      for (let r = 0; r < p.readsPerTask; r++) {
        yield* entry(s, s.cpuOf[t]!);
        const floor = s.maxDone;
        const last = s.lastDone;
        const obs = newObs();
        let value: number;
        let how: string;
        const syscall = p.syscallReads === true && r % 2 === 1;
        if (syscall) {
          value = PVCLOCK_FALLBACK; // straight to the kernel path below
          how = '';
        } else if (hot !== null && r % 2 === 1 && quiescent(s)) {
          // the hot path, as one atomic step (no store can land inside it here)
          const before = hot.retries;
          value = hot.read();
          s.retries += hot.retries - before;
          obs.pvti = hot.obs.pvti;
          obs.version = hot.obs.version;
          obs.tsc = hot.obs.tsc;
          how = 'hot read()';
        } else {
          const g = p.reader.steps(env, obs);
          let res = g.next();
          while (res.done !== true) {
            yield `vCPU${s.cpuOf[t]}: ${res.value}`;
            yield* entry(s, s.cpuOf[t]!);
            res = g.next();
          }
          value = res.value;
          s.retries += obs.retries;
          how = 'vDSO read';
        }
        how += ` via pvti[${obs.pvti}]`;
        if (value === PVCLOCK_FALLBACK) {
          // the syscall, i.e. pvclock_clocksource_read() on this vCPU's own pvti with preemption
          // off (only this vCPU writes it, and not while it runs guest code: one atomic step);
          // without STABLE, the global last_value clamp (arch/x86/kernel/pvclock.c)
          if (!syscall) {
            s.fallbacks++;
            yield `vCPU${s.cpuOf[t]}: STABLE clear → syscall fallback`;
          } else {
            yield `vCPU${s.cpuOf[t]}: clock_gettime syscall`;
          }
          yield* entry(s, s.cpuOf[t]!);
          const cpu = s.cpuOf[t]!;
          const b = readBody(s.vm.area.lanes, cpu);
          const tsc = s.vm.tsc.rdtsc(cpu);
          let ns = s.vm.host.convert(tsc, b.tsc_timestamp, b.system_time);
          const stable = (b.flags & PVCLOCK_TSC_STABLE_BIT) !== 0;
          if (!stable) {
            if (ns < s.lastValue) ns = s.lastValue;
            else s.lastValue = ns;
          }
          value = ns;
          how = `syscall via pvti[${cpu}]${stable ? '' : ' + last_value'}`;
        } else {
          const expect = reference(s, obs.pvti, obs.version, obs.tsc);
          if (value !== expect && s.mismatch === null) {
            s.mismatch = {
              at: s.reads,
              expected: `${expect} ns (pvti[${obs.pvti}] version ${obs.version} at tsc ${obs.tsc}, BigInt reference)`,
              actual: `${value} ns (${how})`,
            };
            if (p.checks.torn && s.violation === null) {
              s.violation = {
                violation: `torn read: pvti[${obs.pvti}] version ${obs.version} announces a body giving ${expect} ns at tsc ${obs.tsc}, the reader returned ${value} ns`,
                size: 1,
              };
            }
          }
          if (p.checks.mixed && s.violation === null && obs.tscCpu >= 0 && obs.tscCpu !== obs.pvti) {
            // the TSC came from another vCPU than the pvti; wrong iff that vCPU's own clock differs
            const own = readBody(s.vm.area.lanes, obs.tscCpu);
            const right = s.vm.host.convert(obs.tsc, own.tsc_timestamp, own.system_time);
            if (right !== value && (own.version & 1) === 0) {
              s.violation = {
                violation: `mixed read: pvti[${obs.pvti}] with vCPU${obs.tscCpu}'s TSC gave ${value} ns, vCPU${obs.tscCpu}'s own pvti gives ${right} ns`,
                size: Math.abs(right - value),
              };
            }
          }
        }
        s.reads++;
        if (value < last) {
          s.warps++;
          if (last - value > s.worstWarp) s.worstWarp = last - value;
        }
        if (value < floor) {
          if (p.checks.warp && s.violation === null) {
            s.violation = {
              violation: `warp: task${t} on vCPU${s.cpuOf[t]} (${how}) returned ${value} ns, ${floor - value} ns behind a read that had completed (${floor} ns)`,
              size: floor - value,
            };
          }
        }
        if (value > s.maxDone) s.maxDone = value;
        s.lastDone = value;
        if (r === p.readsPerTask - 1) s.tasksDone++;
        yield `vCPU${s.cpuOf[t]}: read → ${value} ns`;
      }
    };

  const programs: { name: string; program: Program<ModelState> }[] = [];
  for (let t = 0; t < tasks; t++) programs.push({ name: `task${t}`, program: taskProgram(t) });

  const hostProgram: Program<ModelState> = function* (s) {
    const h = s.vm.host;
    for (const op of p.hostOps) {
      while (s.reads < op.after && s.tasksDone < tasks) yield `${SPIN_PREFIX}host idle`;
      switch (op.op) {
        case 'update':
          h.queueAll();
          yield 'KVM_REQ_CLOCK_UPDATE on every vCPU (same clock)';
          break;
        case 'stable-off':
          h.setMasterClock(false);
          yield 'host clocksource change: use_master_clock = 0, KVM_REQ_CLOCK_UPDATE everywhere';
          break;
        case 'stable-on':
          h.setMasterClock(true);
          yield 'host clocksource back: use_master_clock = 1, new snapshot, KVM_REQ_CLOCK_UPDATE everywhere';
          break;
        case 'wake0':
          yield 'vCPU0 wakes from HLT';
          if (p.updateAt === 'entry' && h.pending(0)) {
            s.inHost[0] = 1;
            const g = h.enter(0, true);
            for (let r = g.next(); r.done !== true; r = g.next()) yield `vCPU0 entry (host mode): ${r.value}`;
            s.inHost[0] = 0;
          }
          break;
        case 'rebase':
        case 'drift':
          if (Atomics.load(h.ctl, CTL_USE_MASTER_CLOCK) === 1) {
            h.snapshotAndQueue(op.arg);
            yield p.updateAt === 'entry'
              ? `kvm_gen_update_masterclock: entries blocked, master_kernel_ns moved by ${op.arg} ns, KVM_REQ_CLOCK_UPDATE queued, entries allowed`
              : `masterclock moved by ${op.arg} ns; the host now rewrites each pvti in turn while the guest runs`;
          } else {
            h.driftAndQueue(op.arg);
            yield `host clock drifted ${op.arg} ns off pvclock; KVM_REQ_CLOCK_UPDATE + kick on every vCPU`;
          }
          break;
        case 'migrate':
          break;
      }
      if (p.updateAt === 'host') {
        // the 2015 thread's picture: the host rewrites each pvti while guest code keeps running
        for (let k = 0; k < vcpus; k++) {
          if (Atomics.compareExchange(h.ctl, vlane(k, V_REQ_CLOCK_UPDATE), 1, 0) === 1)
            yield* h.guestTimeUpdate(k, true);
        }
      }
    }
  };
  if (p.hostOps.length > 0) programs.push({ name: 'host', program: hostProgram });

  if (p.schedOps.length > 0) {
    programs.push({
      name: 'sched',
      program: function* (s) {
        for (const op of p.schedOps) {
          while (s.reads < op.after && s.tasksDone < tasks) yield `${SPIN_PREFIX}sched idle`;
          const a = op.arg;
          const b = op.arg + 1;
          // a swap needs both vCPUs in guest mode (each runs the other's task next)
          const h = s.vm.host;
          if (a < firstTaskCpu || b >= vcpus || s.inHost[a] || s.inHost[b] || h.pending(a) || h.pending(b)) {
            yield `migration vCPU${a} ↔ vCPU${b} not possible now`;
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

  return { init, programs, check: (s) => s.violation };
}

/**
 * One seeded schedule of a model, run to completion (the gate's deterministic interleaving):
 * at every step a program is drawn from those still running. Returns the final state.
 */
export function runSeeded<S>(
  model: Model<S>,
  seed: number,
  maxSteps: number,
): { readonly state: S; readonly steps: number } {
  const rng = new Rng(seed >>> 0);
  const state = model.init();
  const gens = model.programs.map((q) => q.program(state));
  const alive = gens.map((_, i) => i);
  let steps = 0;
  while (alive.length > 0 && steps < maxSteps) {
    const i = rng.int(alive.length);
    const r = gens[alive[i]!]!.next();
    steps++;
    if (r.done === true) alive.splice(i, 1);
  }
  return { state, steps };
}
