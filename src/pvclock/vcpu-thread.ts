// One vCPU on a real thread: the guest task's kvmclock_test loop, with the vCPU's own entry
// work between reads (acknowledge the masterclock kick and wait while entries are blocked;
// apply a pending KVM_REQ_CLOCK_UPDATE before running guest code again).
import { workerData } from 'node:worker_threads';
import { attachVm } from './vm.js';
import { CTL_MCLOCK_GEN, CTL_MCLOCK_INPROGRESS, CTL_READY, CTL_STOP, V_OUT_OF_GUEST, drain, vlane } from './host.js';
import { PVCLOCK_FALLBACK, type PvclockModule } from './reader.js';
import { readBody } from './pvti.js';
import { S_GO, S_LOCK, STAT_READER0, T_LAST, T_LAST_VALUE, T_WARPS, T_WORST, type ThreadData } from './thread-abi.js';

const d = workerData as ThreadData;
const vm = attachVm(d.buffers, d.vm);
const ctl = vm.ctl;
const S = new Int32Array(d.sync);
const T = new Float64Array(d.stats);
const cpuOf = new Int32Array(1);
cpuOf[0] = d.cpu;
// the variant's own module, by the URL it exports (PvclockModule.url)
const variant = ((await import(d.readerUrl)) as PvclockModule).reader;
const reader = variant.create({ lanes: vm.area.lanes, tsc: vm.tsc, cpuOf, task: 0 });
const cpu = d.cpu;
const outLane = vlane(cpu, V_OUT_OF_GUEST);

// a futex-style mutex (Drepper, "Futexes Are Tricky", mutex #2): 0 free, 1 locked, 2 contended
function lock(): void {
  let c = Atomics.compareExchange(S, S_LOCK, 0, 1);
  if (c === 0) return;
  if (c !== 2) c = Atomics.exchange(S, S_LOCK, 2);
  while (c !== 0) {
    Atomics.wait(S, S_LOCK, 2, 1);
    c = Atomics.exchange(S, S_LOCK, 2);
  }
}
function unlock(): void {
  if (Atomics.sub(S, S_LOCK, 1) !== 1) {
    Atomics.store(S, S_LOCK, 0);
    Atomics.notify(S, S_LOCK, 1);
  }
}

Atomics.add(ctl, CTL_READY, 1);
while (Atomics.load(S, S_GO) === 0) Atomics.wait(S, S_GO, 0, 10);

let reads = 0;
let fallbacks = 0;
while (Atomics.load(ctl, CTL_STOP) === 0) {
  // vcpu_enter_guest(): out of guest while entries are blocked, then the pending clock update
  // (re-acknowledged on every wake-up: the host may clear and raise the kick again before this
  // thread has seen the clear, and it waits for an answer to the newest generation)
  while (Atomics.load(ctl, CTL_MCLOCK_INPROGRESS) === 1 && Atomics.load(ctl, CTL_STOP) === 0) {
    Atomics.store(ctl, outLane, Atomics.load(ctl, CTL_MCLOCK_GEN));
    Atomics.wait(ctl, CTL_MCLOCK_INPROGRESS, 1, 1);
  }
  if (vm.host.pending(cpu)) drain(vm.host.enter(cpu, false));
  lock();
  let t1 = reader.read();
  if (t1 === PVCLOCK_FALLBACK) {
    // the syscall: pvclock_clocksource_read() on this vCPU's own pvti (only this thread writes
    // it) and the global last_value clamp, here under the test's lock
    fallbacks++;
    const b = readBody(vm.area.lanes, cpu);
    t1 = vm.host.convert(vm.tsc.rdtsc(cpu), b.tsc_timestamp, b.system_time);
    const lv = T[T_LAST_VALUE]!;
    if (t1 < lv) t1 = lv;
    else T[T_LAST_VALUE] = t1;
  }
  const t0 = T[T_LAST]!;
  T[T_LAST] = t1;
  if (t1 < t0) {
    T[T_WARPS] = T[T_WARPS]! + 1;
    if (t0 - t1 > T[T_WORST]!) T[T_WORST] = t0 - t1;
  }
  unlock();
  reads++;
}
const base = STAT_READER0 + 3 * d.reader;
T[base] = reads;
T[base + 1] = reader.retries;
T[base + 2] = fallbacks;
