// The rest of the world around the guest readers, as step programs for the explorer: KVM's
// host (masterclock updates, KVM_SET_CLOCK, the clocksource change, the updates of vCPUs
// that run no reader), the guest scheduler (task swaps, or the revert case's guided move of
// one task with the task-migration notifier) and the guest's timekeeping update. model.ts
// builds the readers and hands this file what they share.
import { SPIN_PREFIX, type Program } from '../harness/kit.js';
import { CTL_USE_MASTER_CLOCK, drain, vlane, V_REQ_CLOCK_UPDATE } from './host.js';
import type { ModelParams, ModelState } from './model.js';
import { PVCLOCK_TSC_STABLE_BIT, readBody } from './pvti.js';

export interface WorldCtx {
  readonly p: ModelParams;
  readonly vcpus: number;
  /** 1 when vCPU0 is halted (runs no task), else 0 */
  readonly firstTaskCpu: number;
  readonly tasks: number;
  /** tasks 0..readers-1 read the clock */
  readonly readers: number;
  runsNoReader(s: ModelState, k: number): boolean;
}

export function worldPrograms(ctx: WorldCtx): { name: string; program: Program<ModelState> }[] {
  const { p, vcpus, firstTaskCpu, tasks, readers, runsNoReader } = ctx;
  const programs: { name: string; program: Program<ModelState> }[] = [];

  /**
   * The guest's timekeeping update on the first running vCPU: the timekeeper reads kvm-clock
   * through pvclock_clocksource_read() on its own pvti, and that value becomes
   * gtod->cycle_last, the floor of every vDSO read until the next update.
   */
  const tick = (s: ModelState): string => {
    const k = firstTaskCpu;
    const b = readBody(s.vm.area.lanes, k);
    let ns = s.vm.host.convert(s.vm.tsc.rdtsc(k), b.tsc_timestamp, b.system_time);
    if ((b.flags & PVCLOCK_TSC_STABLE_BIT) === 0) ns = Math.max(ns, s.lastValue);
    // update_wall_time(): base += clocksource_delta(now, cycle_last) (0 if negative); cycle_last = now
    s.tkBase = s.ticks === 0 ? ns : s.tkBase + Math.max(0, ns - s.cycleLast);
    s.cycleLast = ns;
    s.ticks++;
    return `vCPU${k}: timekeeping update, cycle_last = ${ns}, base = ${s.tkBase}`;
  };

  const hostProgram: Program<ModelState> = function* (s) {
    const h = s.vm.host;
    for (const op of p.hostOps) {
      while (s.reads < op.after && s.tasksDone < readers) yield `${SPIN_PREFIX}host idle`;
      switch (op.op) {
        case 'update':
          h.queueAll();
          yield 'KVM_REQ_CLOCK_UPDATE on every vCPU (same clock)';
          break;
        case 'unstable':
          // kvm_track_tsc_matching(): after a TSC write on one vCPU the TSCs no longer match,
          // use_master_clock goes to 0 (kvm_gen_update_masterclock, entries blocked); each vCPU
          // rewrites its pvti without STABLE at its next entry, a halted vCPU0 only when it wakes
          h.unmatchedTscWrite(vcpus - 1, op.arg);
          h.setMasterClock(false);
          if (p.force0 === true) drain(h.enter(0, false));
          yield `TSC write on vCPU${vcpus - 1} (offset ${op.arg} cycles): use_master_clock = 0, KVM_REQ_CLOCK_UPDATE everywhere${p.force0 === true ? '; vCPU0 woken and updated before entries are allowed' : '; vCPU0 keeps its STABLE pvti until it enters'}`;
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
        case 'setclock':
          if (p.setClockUnblocked === true) {
            // 4.9-5.15 kvm_vm_ioctl KVM_SET_CLOCK: kvmclock_offset += delta after the masterclock
            // update, then kvm_make_all_cpus_request(KVM_REQ_CLOCK_UPDATE): kicks, entries not blocked
            h.moveClock(op.arg);
            for (let k = firstTaskCpu; k < vcpus; k++) {
              s.lazy[k] = 1;
              Atomics.store(h.ctl, vlane(k, V_REQ_CLOCK_UPDATE), 1);
            }
            yield `KVM_SET_CLOCK: kvmclock_offset moved by ${op.arg} ns; KVM_REQ_CLOCK_UPDATE + kick on every vCPU, entries not blocked`;
            // each kick lands when it lands: vCPU k leaves guest mode and updates its own pvti
            for (let k = firstTaskCpu; k < vcpus; k++) {
              if (s.lazy[k] === 0) continue;
              s.inHost[k] = 1;
              yield `vCPU${k}: kick lands, vCPU${k} exits guest mode`;
              const g = h.enter(k, true);
              for (let r = g.next(); r.done !== true; r = g.next()) yield `vCPU${k} (host mode): ${r.value}`;
              s.lazy[k] = 0;
              s.inHost[k] = 0;
              yield `vCPU${k} re-enters the guest`;
            }
          } else {
            // before 4.9 and from 5.16 the offset moves inside the blocked window, as a rebase
            h.snapshotAndQueue(op.arg);
            yield `KVM_SET_CLOCK: entries blocked, kvmclock_offset moved by ${op.arg} ns, KVM_REQ_CLOCK_UPDATE queued, entries allowed`;
          }
          break;
        case 'tick':
          yield tick(s);
          break;
        case 'migrate':
          break;
      }
      if (p.updateAt === 'entry' && readers < tasks) {
        // vCPUs that run no reading task re-enter when entries are allowed again and apply their
        // update there (as host steps here: nothing else of theirs is observed)
        for (let k = firstTaskCpu; k < vcpus; k++) {
          if (!runsNoReader(s, k) || s.lazy[k] === 1 || !h.pending(k)) continue;
          s.inHost[k] = 1;
          const g = h.enter(k, true);
          for (let r = g.next(); r.done !== true; r = g.next()) yield `vCPU${k} entry (host mode): ${r.value}`;
          s.inHost[k] = 0;
        }
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
  /**
   * Guided (the revert case): task0 alone moves to the other vCPU of (a, a+1) while inside its
   * read, with at least one of its loads since `after` (the task left behind there is
   * preempted, not moved: only the cpu task0 leaves is notified). The guest scheduler runs on
   * both vCPUs: they must be in guest mode with no update pending.
   */
  function* moveTask0(s: ModelState, a: number, after: number): Generator<string, void, void> {
    const h = s.vm.host;
    const b = a + 1;
    const blocked = (): boolean =>
      s.inRead[0] === 0 ||
      s.readerSteps === after ||
      s.inHost[a] === 1 ||
      s.inHost[b] === 1 ||
      h.pending(a) ||
      h.pending(b);
    while (blocked() && s.tasksDone < readers) yield `${SPIN_PREFIX}guest scheduler waits`;
    if (s.tasksDone >= readers) return;
    const from = s.cpuOf[0]!;
    const to = from === a ? b : a;
    s.cpuOf[0] = to;
    s.migrations++;
    p.reader.taskMigrated?.(s.vm.area.lanes, from);
    yield `guest scheduler migrates task0 vCPU${from} → vCPU${to}${p.reader.taskMigrated !== undefined ? `; notifier: pvti[${from}].migrate_count++` : ''}`;
  }

  if (p.migrateInRead === true) {
    // one program for the scheduler and the host, in the only order the model's own rules
    // leave for a torn read of the pvti task0 left: migrate out (no update may be pending),
    // the host's ops (and the left vCPU's update at its entry), migrate back (that vCPU is in
    // guest mode again); where each of its steps lands among task0's loads is explored
    programs.push({
      name: 'world',
      program: function* (s) {
        const [out, back] = p.schedOps;
        if (out !== undefined) yield* moveTask0(s, out.arg, -1);
        const seen = s.readerSteps;
        yield* hostProgram(s);
        if (back !== undefined) yield* moveTask0(s, back.arg, seen);
      },
    });
    return programs;
  }

  if (p.hostOps.length > 0) programs.push({ name: 'host', program: hostProgram });

  if ((p.timekeeperTicks ?? 0) > 0) {
    // the explorer's timekeeper: update_wall_time() as guest code on the first task vCPU, at
    // any point of the interleaving (the gate places its ticks by read count instead); it
    // runs only in guest mode, after that vCPU has applied a pending update
    programs.push({
      name: 'timekeeper',
      program: function* (s) {
        const k = firstTaskCpu;
        for (let i = 0; i < (p.timekeeperTicks ?? 0); i++) {
          while ((s.inHost[k] === 1 || s.vm.host.pending(k)) && s.tasksDone < readers)
            yield `${SPIN_PREFIX}vCPU${k} not in guest mode`;
          if (s.tasksDone >= readers) return;
          yield tick(s);
        }
      },
    });
  }

  if (p.schedOps.length > 0) {
    programs.push({
      name: 'sched',
      program: function* (s) {
        for (const op of p.schedOps) {
          while (s.reads < op.after && s.tasksDone < readers) yield `${SPIN_PREFIX}sched idle`;
          if (s.tasksDone >= readers) break;
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
          // the guest kernel's task-migration notifier, if the variant registers one
          const notify = p.reader.taskMigrated;
          if (notify !== undefined) {
            notify(s.vm.area.lanes, a);
            notify(s.vm.area.lanes, b);
          }
          yield `guest scheduler migrates task${t0} → vCPU${b}, task${t1} → vCPU${a}${notify !== undefined ? `; notifier: pvti[${a}].migrate_count++, pvti[${b}].migrate_count++` : ''}`;
        }
      },
    });
  }
  return programs;
}
