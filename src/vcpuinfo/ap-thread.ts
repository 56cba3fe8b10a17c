// One worker = some of the APs, parked until released, then each registers its own area the
// way FreeBSD's cpususpend_handler → xen_hvm_cpu_init → VCPUOP_register_vcpu_info does,
// against a model of Xen's map_vcpu_info: domain_lock (a futex mutex, Drepper's "Futexes
// Are Tricky" #2), copy the 64-byte area, swap Xen's pointer, unlock; then all selector bits
// and upcall_pending; the guest's per-CPU pointer last.
import { workerData } from 'node:worker_threads';
import {
  type ApThreadData,
  L_CONTENDED,
  L_DONE,
  L_LOCK,
  L_READY,
  L_RELEASE,
  L_VCPU0,
  V_AREA,
  V_GUEST,
  V_LANES,
  V_SEL,
  V_UPCALL,
  V_XEN,
} from './thread-abi.js';

const d = workerData as ApThreadData;
const S = new Int32Array(d.sab);

function lock(): void {
  let c = Atomics.compareExchange(S, L_LOCK, 0, 1);
  if (c === 0) return;
  Atomics.add(S, L_CONTENDED, 1);
  if (c !== 2) c = Atomics.exchange(S, L_LOCK, 2);
  while (c !== 0) {
    Atomics.wait(S, L_LOCK, 2);
    c = Atomics.exchange(S, L_LOCK, 2);
  }
}

function unlock(): void {
  if (Atomics.sub(S, L_LOCK, 1) !== 1) {
    Atomics.store(S, L_LOCK, 0);
    Atomics.notify(S, L_LOCK, 1);
  }
}

Atomics.add(S, L_READY, 1);
Atomics.notify(S, L_READY);
while (Atomics.load(S, L_RELEASE) === 0) Atomics.wait(S, L_RELEASE, 0);
for (let v = 1 + d.worker; v < d.vcpus; v += d.workers) {
  const base = L_VCPU0 + v * V_LANES;
  lock();
  // vcpu_info_populate: dummy (0) → zero the area; else copy the old one
  for (let i = 0; i < 16; i++) S[base + V_AREA + i] = Atomics.load(S, base + V_XEN) === 0 ? 0 : S[base + V_AREA + i]!;
  Atomics.store(S, base + V_XEN, 2);
  unlock();
  Atomics.store(S, base + V_SEL, -1);
  Atomics.store(S, base + V_SEL + 1, -1);
  Atomics.exchange(S, base + V_UPCALL, 1);
  Atomics.store(S, base + V_GUEST, 2);
  Atomics.add(S, L_DONE, 1);
}
Atomics.notify(S, L_DONE);
