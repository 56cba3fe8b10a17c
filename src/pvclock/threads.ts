// The real-thread run: the host (this thread, the harness worker) and one reader worker per
// running vCPU share the VM's SharedArrayBuffers. Readers loop like kvm-unit-tests
// x86/kvmclock_test.c: lock; t1 = read(); t0 = last; last = t1; unlock; a warp is t1 < t0.
// More reader threads than the machine's 2 cores on purpose: a descheduled thread is a
// descheduled vCPU. What is seen depends on scheduling, so every figure is a gauge.
//
// The host replays the load's ops (scaled: `after` × OPS_SCALE reads, measured on the shared
// TSC) for DURATION_MS: masterclock updates block entries and wait for every running vCPU to
// acknowledge (KVM_REQ_MCLOCK_INPROGRESS with KVM_REQUEST_WAIT), halted vCPU0 is never waited
// for and is updated only at 'wake0'. Guest-scheduler migrations are not replayed here (a
// worker is a vCPU, and a read in flight cannot move between workers); the explorer and the
// gate cover them.
import { Worker } from 'node:worker_threads';
import { createVm, DEFAULT_CYCLES_PER_TICK, DEFAULT_TSC_KHZ, type VmParams } from './vm.js';
import {
  CTL_MCLOCK_GEN,
  CTL_MCLOCK_INPROGRESS,
  CTL_READY,
  CTL_STOP,
  CTL_USE_MASTER_CLOCK,
  V_HALTED,
  V_OUT_OF_GUEST,
  drain,
  vlane,
} from './host.js';
import { halted0 as isHalted0, tscRuleOf, type PvclockCase } from './case.js';
import type { PvclockLoad } from './load.js';
import type { PvclockModule } from './reader.js';
import { S_GO, S_LOCK, S_SLEEP, STAT_READER0, SYNC_LANES, T_WARPS, T_WORST, type ThreadData } from './thread-abi.js';

export const DURATION_MS = 50;
export const OPS_SCALE = 100;

export interface ThreadsResult {
  readonly readers: number;
  readonly reads: number;
  readonly retries: number;
  readonly fallbacks: number;
  readonly warps: number;
  readonly worstWarp: number;
  readonly hostOps: number;
  readonly ms: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** `variant`: the variant's module; each vCPU worker imports it again from its `url` */
export async function runThreads(
  variant: PvclockModule,
  c: PvclockCase,
  load: PvclockLoad,
  durationMs = DURATION_MS,
): Promise<ThreadsResult> {
  const halted0 = isHalted0(c);
  const vmParams: VmParams = {
    vcpus: c.vcpus,
    tscKhz: DEFAULT_TSC_KHZ,
    cyclesPerTick: DEFAULT_CYCLES_PER_TICK,
    masterclock: c.scheme === 'master',
    torn: c.host === '4.0',
    tscOffset: c.offset,
    tscDriftPpb: c.driftPpb,
    tscRule: tscRuleOf(c.host),
    tscCreatedAtNs: c.createdAtNs,
  };
  const vm = createVm(vmParams, true);
  const first = halted0 ? 1 : 0;
  const n = vmParams.vcpus - first;
  if (halted0) Atomics.store(vm.ctl, vlane(0, V_HALTED), 1);
  const sync = new SharedArrayBuffer(4 * SYNC_LANES);
  const stats = new SharedArrayBuffer(8 * (STAT_READER0 + 3 * n));
  const S = new Int32Array(sync);
  const T = new Float64Array(stats);
  const readerUrl = variant.url;
  const workers: Worker[] = [];
  const exits: Promise<void>[] = [];
  for (let i = 0; i < n; i++) {
    const data: ThreadData = { buffers: vm.buffers, vm: vmParams, cpu: first + i, reader: i, readerUrl, sync, stats };
    const w = new Worker(new URL('./vcpu-thread.js', import.meta.url), { workerData: data });
    workers.push(w);
    exits.push(
      new Promise((resolve, reject) => {
        w.once('error', reject);
        w.once('exit', () => resolve());
      }),
    );
  }
  try {
    const t0 = performance.now();
    while (Atomics.load(vm.ctl, CTL_READY) < n) {
      if (performance.now() - t0 > 10_000) throw new Error('pvclock threads: reader workers did not start');
      await sleep(1);
    }
    Atomics.store(S, S_GO, 1);
    Atomics.notify(S, S_GO);
    const start = performance.now();
    const end = start + durationMs;
    const tscCtl = vm.tsc.ctl;
    const ops = load.hostOps;
    let hostOps = 0;
    let i = 0;
    let base = 0;
    const blockEntries = (what: () => void): void => {
      // kvm_make_mclock_inprogress_request(): kick and wait for running vCPUs, not halted ones.
      // The generation makes a late acknowledgement of an earlier kick count for nothing.
      const gen = Atomics.add(vm.ctl, CTL_MCLOCK_GEN, 1) + 1;
      Atomics.store(vm.ctl, CTL_MCLOCK_INPROGRESS, 1);
      for (let k = first; k < vmParams.vcpus; k++) {
        while (Atomics.load(vm.ctl, vlane(k, V_OUT_OF_GUEST)) !== gen && performance.now() < end + 1000)
          Atomics.wait(S, S_SLEEP, 0, 0.02);
      }
      what();
      Atomics.store(vm.ctl, CTL_MCLOCK_INPROGRESS, 0);
      Atomics.notify(vm.ctl, CTL_MCLOCK_INPROGRESS);
    };
    while (performance.now() < end && ops.length > 0) {
      const op = ops[i]!;
      const ticks = Atomics.load(tscCtl, 0) >>> 0;
      if (ticks < base + op.after * OPS_SCALE) {
        Atomics.wait(S, S_SLEEP, 0, 0.05);
        continue;
      }
      const master = Atomics.load(vm.ctl, CTL_USE_MASTER_CLOCK) === 1;
      switch (op.op) {
        case 'rebase':
        case 'drift':
          if (master) blockEntries(() => vm.host.snapshotAndQueue(op.arg));
          else vm.host.driftAndQueue(op.arg);
          break;
        case 'update':
          vm.host.queueAll();
          break;
        case 'stable-off':
        case 'stable-on':
          blockEntries(() => vm.host.setMasterClock(op.op === 'stable-on'));
          break;
        case 'wake0':
          if (halted0) drain(vm.host.enter(0, false));
          break;
        case 'setclock':
          if (c.host === '4.9') {
            // 4.9-5.15: offset moved, KVM_REQ_CLOCK_UPDATE everywhere, entries not blocked
            vm.host.moveClock(op.arg);
            vm.host.queueAll();
          } else blockEntries(() => vm.host.snapshotAndQueue(op.arg));
          break;
        case 'unstable':
          // the TSC write itself is not replayed: each worker has its own view of the offsets
          blockEntries(() => {
            vm.host.setMasterClock(false);
            if (c.force0) drain(vm.host.enter(0, false));
          });
          break;
        case 'migrate':
        case 'tick':
          break;
      }
      hostOps++;
      i++;
      if (i === ops.length) {
        i = 0;
        base = Atomics.load(tscCtl, 0) >>> 0;
      }
    }
    while (performance.now() < end) Atomics.wait(S, S_SLEEP, 0, 1);
    const ms = performance.now() - start;
    Atomics.store(vm.ctl, CTL_STOP, 1);
    Atomics.notify(vm.ctl, CTL_MCLOCK_INPROGRESS);
    Atomics.notify(S, S_LOCK);
    await Promise.all(exits);
    let reads = 0;
    let retries = 0;
    let fallbacks = 0;
    for (let r = 0; r < n; r++) {
      reads += T[STAT_READER0 + 3 * r]!;
      retries += T[STAT_READER0 + 3 * r + 1]!;
      fallbacks += T[STAT_READER0 + 3 * r + 2]!;
    }
    return { readers: n, reads, retries, fallbacks, warps: T[T_WARPS]!, worstWarp: T[T_WORST]!, hostOps, ms };
  } finally {
    Atomics.store(vm.ctl, CTL_STOP, 1);
    for (const w of workers) void w.terminate();
  }
}
