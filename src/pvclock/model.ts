// The guest readers as step programs for the interleaving explorer (src/harness/explore.ts);
// the host, the guest scheduler and the timekeeper are in world.ts. One atomic step = one shared store by the host, or one shared
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
// kvm list, 25 March 2015: "KVM updates vcpu 0's pvti. Before KVM updates vcpu 1's pvti,
// guest code on vcpus 0 and 1 see ... different pvti"): the host rewrites every pvti in turn
// while the guest runs.
//
// Warps are counted as kvmclock_test does (kvm-unit-tests x86/kvmclock_test.c), without its
// lock: a read that returns less than a read which completed before it started.
import { Rng, SPIN_PREFIX, type Model, type Program } from '../harness/kit.js';
import type { Scheme } from './case.js';
import { createVm, DEFAULT_CYCLES_PER_TICK, DEFAULT_TSC_KHZ, type Vm } from './vm.js';
import { PVCLOCK_FALLBACK, newObs, type GuestEnv, type PvclockReader, type ReaderVariant } from './reader.js';
import { LANE_VERSION, PVCLOCK_TSC_STABLE_BIT, pvtiBase, readBody } from './pvti.js';
import type { Op } from './ops.js';
import { worldPrograms } from './world.js';
import { CTL_USE_MASTER_CLOCK } from './host.js';
import type { TscSyncRule } from './tsc-sync.js';
import { judgeAge, newAgeStats, type AgeStats } from './age.js';

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
  /** hypothetical host: the masterclock stays on with unmatched TSCs (what vcpus_matched prevents) */
  readonly ignoreTscMatching?: boolean;
  /** per-vCPU TSC offsets in cycles (unsynced host); default synced */
  readonly tscOffset?: readonly number[];
  /** per-vCPU TSC drift in parts per billion; default invariant */
  readonly tscDriftPpb?: readonly number[];
  /** which TSC writes KVM matches, and when each vCPU was created (tsc-sync.ts) */
  readonly tscRule?: TscSyncRule;
  readonly tscCreatedAtNs?: readonly number[];
  /** ns the VM has run since every pvti was last written (the masterclock's age) when the reads start */
  readonly ageNs?: number;
  /** which violations end an interleaving */
  readonly checks: { readonly warp: boolean; readonly torn: boolean; readonly mixed: boolean };
  /** every other read through the variant's hot read() when no pvti is being written (the gate) */
  readonly hotReads?: boolean;
  /** every other read is a clock_gettime syscall (the in-kernel reader) instead of the vDSO */
  readonly syscallReads?: boolean;
  /** tasks 0..readingTasks-1 read; the others only run guest code on their vCPU (default: all read) */
  readonly readingTasks?: number;
  /** guided search: the scheduler migrates only while task0 is inside a vDSO read */
  readonly migrateInRead?: boolean;
  /**
   * KVM_SET_CLOCK as Linux 4.9-5.15 does it: kvmclock_offset moved, then KVM_REQ_CLOCK_UPDATE
   * and a kick on every vCPU without blocking entries (false: inside the blocked window, as
   * before 4.9 and from 5.16)
   */
  readonly setClockUnblocked?: boolean;
  /**
   * Tosatti's remedy in the 2015 thread ("We can force vcpu0's kvmclock to be updated"): a
   * masterclock-off transition wakes vCPU0 and applies its update before entries are allowed
   */
  readonly force0?: boolean;
  /** timekeeping updates a separate timekeeper program makes (the explorer's ticks); default 0 */
  readonly timekeeperTicks?: number;
  /** vCPU0 runs no reading task (it is late to re-enter, not halted); the readers start on vCPU1 */
  readonly late0?: boolean;
}

export interface Mismatch {
  readonly at: number;
  readonly expected: string;
  readonly actual: string;
}

export interface ModelState {
  readonly vm: Vm;
  /** ka->use_master_clock after boot (off when the TSCs do not match, whatever the scheme) */
  readonly masterAtBoot: boolean;
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
  /** syscall reads raised to last_value (another vCPU's clock was ahead) */
  lastValueClamped: number;
  reads: number;
  fallbacks: number;
  retries: number;
  tasksDone: number;
  /** kvmclock_test's count: reads below the read that completed last before they started */
  warps: number;
  /** kvmclock_test's worst warp, in ns */
  worstWarp: number;
  /** kvmclock_test's stalls: reads equal to the read that completed last before they started */
  stalls: number;
  /** vDSO reads raised to cycle_last by the clamp */
  clamped: number;
  /** gtod->cycle_last: the clocksource value of the last timekeeping update (vDSO clamp) */
  cycleLast: number;
  /** the timekeeper's clock at cycle_last (tk->tkr_mono.base); never moves back */
  tkBase: number;
  /** timekeeping updates so far (the gtod seqcount, halved) */
  ticks: number;
  /** vDSO reads done again because a timekeeping update overlapped them */
  gtodRetries: number;
  /** task t is inside a vDSO read (between its first and its last load) */
  readonly inRead: Uint8Array;
  /** loads task0 has done inside vDSO reads (the guided scheduler spaces its migrations by them) */
  readerSteps: number;
  /** migrations the guest scheduler has made */
  migrations: number;
  /** vCPU k's pending KVM_REQ_CLOCK_UPDATE came with a kick that does not block entries */
  readonly lazy: Uint8Array;
  /** the pvti ages the reads used and the error they carry against the host's clock (age.ts) */
  readonly age: AgeStats;
  mismatch: Mismatch | null;
  violation: { violation: string; size: number } | null;
}

export function buildModel(p: ModelParams): Model<ModelState> {
  const vcpus = p.vcpus;
  const firstTaskCpu = p.halted0 ? 1 : 0;
  const tasks = vcpus - firstTaskCpu;
  if (tasks < 1) throw new RangeError('pvclock model: no vCPU left to run a task');
  const readers = Math.min(tasks, p.readingTasks ?? tasks);
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
        ignoreTscMatching: p.ignoreTscMatching ?? false,
        tscOffset: p.tscOffset ?? [],
        tscDriftPpb: p.tscDriftPpb ?? [],
        tscRule: p.tscRule ?? 'zero-syncs',
        tscCreatedAtNs: p.tscCreatedAtNs ?? [],
      },
      false,
    );
    // time passes on the TSC only: the pvti still hold the boot values, so an update rewrites
    // both tsc_timestamp and system_time by the age, as on a VM that has been running
    const age = Math.round(((p.ageNs ?? 0) * DEFAULT_TSC_KHZ) / 1e6 / DEFAULT_CYCLES_PER_TICK);
    if (age > 0) Atomics.store(vm.tsc.ctl, 0, age | 0);
    const published = new Map<string, readonly [number, number]>();
    for (let k = 0; k < vcpus; k++) {
      const b = readBody(vm.area.lanes, k);
      published.set(`${k}:${b.version}`, [b.tsc_timestamp, b.system_time]);
    }
    vm.host.onPublish = (k, version, ts, st) => published.set(`${k}:${version}`, [ts, st]);
    const cpuOf = new Int32Array(tasks);
    for (let t = 0; t < tasks; t++) cpuOf[t] = p.late0 === true ? (t + 1) % vcpus : firstTaskCpu + t;
    return {
      vm,
      masterAtBoot: Atomics.load(vm.ctl, CTL_USE_MASTER_CLOCK) === 1,
      cpuOf,
      inHost: new Uint8Array(vcpus),
      published,
      maxDone: -Infinity,
      lastDone: -Infinity,
      lastValue: -Infinity,
      lastValueClamped: 0,
      reads: 0,
      fallbacks: 0,
      retries: 0,
      tasksDone: 0,
      warps: 0,
      worstWarp: 0,
      stalls: 0,
      clamped: 0,
      cycleLast: -Infinity,
      tkBase: -Infinity,
      ticks: 0,
      gtodRetries: 0,
      inRead: new Uint8Array(tasks),
      readerSteps: 0,
      migrations: 0,
      lazy: new Uint8Array(vcpus),
      age: newAgeStats(),
      mismatch: null,
      violation: null,
    };
  };

  /** vcpu_enter_guest(): a pending clock update is applied on this vCPU's thread before guest code */
  function* entry(s: ModelState, cpu: number): Generator<string, void, void> {
    if (p.updateAt !== 'entry' || s.lazy[cpu] === 1 || !s.vm.host.pending(cpu)) return;
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

  /** a vCPU that is out of guest mode (handling a kick) runs no guest code */
  function* guest(s: ModelState, t: number): Generator<string, void, void> {
    while (s.inHost[s.cpuOf[t]!] === 1) yield `${SPIN_PREFIX}vCPU${s.cpuOf[t]} out of guest mode`;
    yield* entry(s, s.cpuOf[t]!);
  }

  /** a task that only runs guest code: its vCPU takes its updates at entry, nothing else */
  /** vCPU k runs no reading task (it runs other guest code, and takes its updates at entry) */
  const runsNoReader = (s: ModelState, k: number): boolean => {
    for (let t = 0; t < readers; t++) if (s.cpuOf[t] === k) return false;
    return true;
  };

  const taskProgram = (t: number): Program<ModelState> =>
    function* (s: ModelState) {
      const env: GuestEnv = { lanes: s.vm.area.lanes, tsc: s.vm.tsc, cpuOf: s.cpuOf, task: t };
      const hot: PvclockReader | null = p.hotReads === true ? p.reader.create(env) : null;
      for (let r = 0; r < p.readsPerTask; r++) {
        yield* guest(s, t);
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
          obs.tscCpu = s.cpuOf[t]!; // one atomic step: the TSC was read on the task's vCPU
          how = 'hot read()';
        } else {
          // the gtod seqcount around the read (do_monotonic / do_hres): a timekeeping update
          // during it means (base, cycle_last) moved, and the whole read is done again
          for (;;) {
            const seq = s.ticks;
            const g = p.reader.steps(env, obs);
            let res = g.next();
            s.inRead[t] = 1;
            while (res.done !== true) {
              if (t === 0) s.readerSteps++;
              yield `vCPU${s.cpuOf[t]}: ${res.value}`;
              yield* guest(s, t);
              res = g.next();
            }
            s.inRead[t] = 0;
            value = res.value;
            if (s.ticks === seq || value === PVCLOCK_FALLBACK) break;
            s.gtodRetries++;
            yield `vCPU${s.cpuOf[t]}: gtod seqcount moved (timekeeping update): read again`;
          }
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
          yield* guest(s, t);
          const cpu = s.cpuOf[t]!;
          const b = readBody(s.vm.area.lanes, cpu);
          const tsc = s.vm.tsc.rdtsc(cpu);
          let ns = s.vm.host.convert(tsc, b.tsc_timestamp, b.system_time);
          judgeAge(s.age, s.vm, cpu, tsc, cpu, b.tsc_timestamp, b.system_time, ns);
          const stable = (b.flags & PVCLOCK_TSC_STABLE_BIT) !== 0;
          if (!stable) {
            if (ns < s.lastValue) {
              ns = s.lastValue;
              s.lastValueClamped++;
            } else s.lastValue = ns;
          }
          // ktime_get(): base + clocksource_delta(now, cycle_last), a negative delta counting as 0
          // (CLOCKSOURCE_VALIDATE_LAST_CYCLE, which x86 selects)
          value = s.ticks > 0 ? s.tkBase + Math.max(0, ns - s.cycleLast) : ns;
          how = `syscall via pvti[${cpu}]${stable ? '' : ' + last_value'}`;
        } else {
          const expect = reference(s, obs.pvti, obs.version, obs.tsc);
          const body = s.published.get(`${obs.pvti}:${obs.version}`);
          // percpu's step reader does not record the TSC's vCPU: it is its pvti's (checked by
          // the second getcpu). vcpu0's does: on another vCPU whose TSC differs (the unstable
          // window) the reading is off the host's clock by that difference, and counted so
          if (body !== undefined)
            judgeAge(s.age, s.vm, obs.tscCpu >= 0 ? obs.tscCpu : obs.pvti, obs.tsc, obs.pvti, body[0], body[1], expect);
          if (value !== expect && s.mismatch === null) {
            s.mismatch = {
              at: s.reads,
              expected: `${expect} ns (pvti[${obs.pvti}] version ${obs.version} at tsc ${obs.tsc}, BigInt reference)`,
              actual: `${value} ns (${how})`,
            };
            if (p.checks.torn && s.violation === null) {
              s.violation = {
                violation: `torn read: pvti[${obs.pvti}] version ${obs.version} announces a body giving ${expect} ns at tsc ${obs.tsc}, the reader returned ${value} ns`,
                size: Number.isNaN(expect) ? 1 : Math.abs(expect - value),
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
          if (s.ticks > 0) {
            // base + (cycles - cycle_last): vread_pvclock (3.x-4.x) returns `ret >= cycle_last ?
            // ret : cycle_last`, and do_hres' vdso_calc_delta() is 0 when cycles <= cycle_last,
            // so a read below cycle_last returns the tick's base
            if (value < s.cycleLast) {
              s.clamped++;
              how += ' clamped to cycle_last';
            }
            value = s.tkBase + Math.max(0, value - s.cycleLast);
          }
        }
        s.reads++;
        if (value < last) {
          s.warps++;
          if (last - value > s.worstWarp) s.worstWarp = last - value;
        } else if (value === last) {
          s.stalls++;
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
  for (let t = 0; t < readers; t++) programs.push({ name: `task${t}`, program: taskProgram(t) });

  programs.push(...worldPrograms({ p, vcpus, firstTaskCpu, tasks, readers, runsNoReader }));

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
