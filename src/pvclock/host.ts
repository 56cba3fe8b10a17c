// The host side of kvmclock (torvalds/linux:arch/x86/kvm/x86.c), reduced to what a guest
// reader can observe:
//  - kvm_setup_pvclock_page(): the three-store version protocol, "version odd, body,
//    version even" as separate stores with smp_wmb() between ("Version field updates must be
//    kept separate ... writes within a string instruction are weakly ordered"). Torn mode is
//    the bug that comment guards against: the version travels inside one weakly ordered copy
//    and lands before the body, as `rep movs` may make it (Linux <= 4.0 kvm_guest_time_update:
//    `hv_clock.version += 2`, then one kvm_write_guest_cached() of the whole struct; fixed in
//    4.1 by "kvm: x86: fix kvmclock update protocol").
//  - kvm_guest_time_update(): runs on vCPU k's own thread when it handles
//    KVM_REQ_CLOCK_UPDATE at its next entry (vcpu_enter_guest), so a pvti is only ever written
//    while its own vCPU is out of guest mode. Under the masterclock the body comes from the
//    one VM-wide (master_kernel_ns, master_cycle_now) snapshot and carries
//    PVCLOCK_TSC_STABLE_BIT; without it each vCPU takes its own (ns, tsc) sample and the bit
//    is clear.
//  - kvm_gen_update_masterclock(): blocks guest entries (KVM_REQ_MCLOCK_INPROGRESS, which
//    waits for running vCPUs to exit but does not wake halted ones), takes a new snapshot
//    whose base is moved by delta (the CLOCK_MONOTONIC_RAW vs pvclock drift, either sign,
//    see Sean Christopherson, "KVM: x86: Don't unnecessarily force masterclock update on vCPU
//    hotplug", 2023, on the lossy conversion), queues KVM_REQ_CLOCK_UPDATE on every vCPU, allows entries again.
// Every writer is a generator whose yields separate the stores, so the same code runs to
// completion on real threads (drain) and step by step under the interleaving explorer.
import {
  LANE_MUL,
  LANE_SHIFT_FLAGS,
  LANE_SYS_HI,
  LANE_SYS_LO,
  LANE_TSC_HI,
  LANE_TSC_LO,
  LANE_VERSION,
  PVCLOCK_TSC_STABLE_BIT,
  type PvtiArea,
  hi32,
  lo32,
  packShiftFlags,
  pvtiBase,
} from './pvti.js';
import { pvclockReadCyclesRef } from './scale.js';
import type { SimTsc } from './tsc.js';
import type { KvmTscSync } from './tsc-sync.js';

/** control lanes shared by host and vCPU threads (Int32Array) */
export const CTL_MCLOCK_INPROGRESS = 0; // KVM_REQ_MCLOCK_INPROGRESS raised on every vCPU
export const CTL_USE_MASTER_CLOCK = 1; // ka->use_master_clock
export const CTL_STOP = 2; // real-thread runs: time to finish
export const CTL_READY = 3; // real-thread runs: vCPU workers that have started
export const CTL_MCLOCK_GEN = 4; // real-thread runs: which kick an acknowledgement answers
export const CTL_VCPU0 = 8;
export const VCPU_LANES = 4;
export const V_REQ_CLOCK_UPDATE = 0; // KVM_REQ_CLOCK_UPDATE pending
export const V_HALTED = 1; // in HLT: not kicked, not waited for, stays stale
export const V_OUT_OF_GUEST = 2; // the CTL_MCLOCK_GEN of the last kick this vCPU acknowledged
export function ctlLanes(nr: number): number {
  return CTL_VCPU0 + nr * VCPU_LANES;
}
export function vlane(cpu: number, which: number): number {
  return CTL_VCPU0 + cpu * VCPU_LANES + which;
}

/** Float64 lanes of the VM's clock state */
export const M_MASTER_KERNEL_NS = 0;
export const M_MASTER_CYCLE_NOW = 1;
export const M_HOST_OFFSET_NS = 2; // per-vCPU mode: how far the host clock has moved off pvclock's extrapolation
export const M_BOOT_NS = 3;
export const M_BOOT_TSC = 4;
export const MASTER_LANES = 5;

export interface HostOptions {
  readonly tsc_to_system_mul: number;
  readonly tsc_shift: number;
  /** pre-4.1 host: version and body written in one weakly ordered copy */
  readonly torn: boolean;
  /**
   * Hypothetical host that sets PVCLOCK_TSC_STABLE_BIT on per-vCPU bases (no masterclock):
   * only for showing what STABLE protects against (a mixed read with different bases); KVM never does this.
   */
  readonly stableWithoutMasterclock?: boolean;
  /**
   * Hypothetical host that keeps the masterclock on with unmatched TSCs (ignores
   * vcpus_matched): only for showing what the rule protects against; KVM never does this.
   */
  readonly ignoreTscMatching?: boolean;
}

/** a body as the host meant to publish it under an even version (for reference readers) */
export type PublishHook = (
  k: number,
  version: number,
  tsc_timestamp: number,
  system_time: number,
  flags: number,
) => void;

export class KvmHost {
  readonly lanes: Int32Array;
  constructor(
    readonly area: PvtiArea,
    readonly tsc: SimTsc,
    readonly sync: KvmTscSync,
    readonly ctl: Int32Array,
    readonly clock: Float64Array,
    readonly opts: HostOptions,
  ) {
    this.lanes = area.lanes;
  }

  /** called once per pvti write, before its stores, with the even version it will end at */
  onPublish: PublishHook | null = null;

  get nr(): number {
    return this.area.nr;
  }

  /** Boot: one snapshot, every pvti written consistently (the guest starts with no update in flight). */
  boot(bootNs: number, useMasterClock: boolean): void {
    // pvclock_update_vm_gtod_copy(): use_master_clock = host_tsc_clocksource && vcpus_matched
    const master = useMasterClock && this.vcpusMatched();
    const t = this.tsc.peekHost();
    this.clock[M_BOOT_NS] = bootNs;
    this.clock[M_BOOT_TSC] = t;
    this.clock[M_MASTER_KERNEL_NS] = bootNs;
    this.clock[M_MASTER_CYCLE_NOW] = t;
    this.clock[M_HOST_OFFSET_NS] = 0;
    Atomics.store(this.ctl, CTL_USE_MASTER_CLOCK, master ? 1 : 0);
    for (let k = 0; k < this.nr; k++) drain(this.guestTimeUpdate(k, false));
  }

  /** The host's CLOCK_MONOTONIC_RAW at host TSC `t`: pvclock's own extrapolation from boot plus the accumulated drift. */
  hostKernelNs(t: number): number {
    return this.convert(t, this.clock[M_BOOT_TSC]!, this.clock[M_BOOT_NS]!) + this.clock[M_HOST_OFFSET_NS]!;
  }

  /** system_time + pvclock_scale_delta(t - tsc_timestamp) (exact, not a hot path) */
  convert(t: number, tsc_timestamp: number, system_time: number): number {
    return Number(
      pvclockReadCyclesRef(
        BigInt(t),
        BigInt(tsc_timestamp),
        BigInt(system_time),
        this.opts.tsc_to_system_mul,
        this.opts.tsc_shift,
      ),
    );
  }

  /**
   * kvm_guest_time_update() on vCPU k's thread, then kvm_setup_pvclock_page(). With
   * `stepped`, yields between the stores (the explorer's atomic steps).
   */
  *guestTimeUpdate(k: number, stepped = true): Generator<string, void, void> {
    let tsc_timestamp: number;
    let system_time: number;
    let flags = 0;
    if (Atomics.load(this.ctl, CTL_USE_MASTER_CLOCK) === 1) {
      // tsc_timestamp = kvm_read_l1_tsc(v, ka->master_cycle_now); system_time = master_kernel_ns
      tsc_timestamp = this.tsc.guestTsc(k, this.clock[M_MASTER_CYCLE_NOW]!);
      system_time = this.clock[M_MASTER_KERNEL_NS]!;
      flags = PVCLOCK_TSC_STABLE_BIT;
    } else {
      // no masterclock: this vCPU's own (kernel_ns, host tsc) sample, taken now
      const t = this.tsc.rdtscHost();
      tsc_timestamp = this.tsc.guestTsc(k, t);
      system_time = this.hostKernelNs(t);
      if (this.opts.stableWithoutMasterclock === true) flags = PVCLOCK_TSC_STABLE_BIT;
    }
    const L = this.lanes;
    const b = pvtiBase(k);
    const v = L[b + LANE_VERSION]! >>> 0;
    const what = stepped ? `pvti[${k}]` : '';
    if (this.onPublish !== null) this.onPublish(k, v + 2, tsc_timestamp, system_time, flags);
    if (!this.opts.torn) {
      Atomics.store(L, b + LANE_VERSION, (v + 1) | 0); // version odd; smp_wmb()
      if (stepped) yield `${what}.version = ${v + 1} (odd)`;
      L[b + LANE_TSC_LO] = lo32(tsc_timestamp);
      L[b + LANE_TSC_HI] = hi32(tsc_timestamp);
      if (stepped) yield `${what}.tsc_timestamp = ${tsc_timestamp}`;
      L[b + LANE_SYS_LO] = lo32(system_time);
      L[b + LANE_SYS_HI] = hi32(system_time);
      L[b + LANE_MUL] = this.opts.tsc_to_system_mul | 0;
      L[b + LANE_SHIFT_FLAGS] = packShiftFlags(this.opts.tsc_shift, flags);
      if (stepped) yield `${what}.system_time = ${system_time}, flags = ${flags}`;
      Atomics.store(L, b + LANE_VERSION, (v + 2) | 0); // smp_wmb(); version even
      if (stepped) yield `${what}.version = ${v + 2} (even)`;
    } else {
      // one copy of the whole struct, version included, weakly ordered: the new even version
      // can become visible before the body it announces
      Atomics.store(L, b + LANE_VERSION, (v + 2) | 0);
      if (stepped) yield `${what} copy: version = ${v + 2} (torn: lands first)`;
      L[b + LANE_TSC_LO] = lo32(tsc_timestamp);
      L[b + LANE_TSC_HI] = hi32(tsc_timestamp);
      if (stepped) yield `${what} copy: tsc_timestamp = ${tsc_timestamp}`;
      L[b + LANE_SYS_LO] = lo32(system_time);
      L[b + LANE_SYS_HI] = hi32(system_time);
      L[b + LANE_MUL] = this.opts.tsc_to_system_mul | 0;
      L[b + LANE_SHIFT_FLAGS] = packShiftFlags(this.opts.tsc_shift, flags);
      if (stepped) yield `${what} copy: system_time = ${system_time}, flags = ${flags}`;
    }
  }

  /** the part of vcpu_enter_guest() that matters here: a pending KVM_REQ_CLOCK_UPDATE is applied before guest code runs */
  pending(k: number): boolean {
    return Atomics.load(this.ctl, vlane(k, V_REQ_CLOCK_UPDATE)) === 1;
  }

  *enter(k: number, stepped = true): Generator<string, void, void> {
    if (Atomics.compareExchange(this.ctl, vlane(k, V_REQ_CLOCK_UPDATE), 1, 0) === 1) {
      yield* this.guestTimeUpdate(k, stepped);
    }
  }

  /**
   * The masterclock snapshot move of kvm_gen_update_masterclock(), done while guest entries
   * are blocked: new master_cycle_now from one TSC read, master_kernel_ns = old clock at that
   * TSC + delta, KVM_REQ_CLOCK_UPDATE queued on every vCPU. The blocking part (kick + wait) is
   * the caller's: one atomic step in the explorer, a real wait on threads.
   */
  snapshotAndQueue(delta: number): void {
    const t = this.tsc.rdtscHost();
    const old = this.convert(t, this.clock[M_MASTER_CYCLE_NOW]!, this.clock[M_MASTER_KERNEL_NS]!);
    this.clock[M_MASTER_CYCLE_NOW] = t;
    this.clock[M_MASTER_KERNEL_NS] = old + delta;
    // keep the per-vCPU host clock in step, so that turning the masterclock off continues from here
    this.clock[M_HOST_OFFSET_NS] = old + delta - this.convert(t, this.clock[M_BOOT_TSC]!, this.clock[M_BOOT_NS]!);
    this.queueAll();
  }

  /**
   * Without the masterclock: the host clock drifts by delta from pvclock's extrapolation
   * (NTP slew / the lossy conversion; x86.c's comment above pvclock_update_vm_gtod_copy), and a global clock update
   * (KVM_REQ_GLOBAL_CLOCK_UPDATE → kvmclock_update_fn) queues KVM_REQ_CLOCK_UPDATE and kicks
   * every vCPU; each then samples its own (ns, tsc) at its next entry. No entry blocking.
   */
  driftAndQueue(delta: number): void {
    this.clock[M_HOST_OFFSET_NS] = this.clock[M_HOST_OFFSET_NS]! + delta;
    this.queueAll();
  }

  /**
   * KVM_SET_CLOCK's offset change, nothing else: every later kvm_guest_time_update() publishes
   * a clock moved by delta (the caller queues and delivers the requests).
   */
  moveClock(delta: number): void {
    this.clock[M_MASTER_KERNEL_NS] = this.clock[M_MASTER_KERNEL_NS]! + delta;
    this.clock[M_HOST_OFFSET_NS] = this.clock[M_HOST_OFFSET_NS]! + delta;
  }

  /** host clocksource change: use_master_clock off/on, then a masterclock update (STABLE follows it) */
  setMasterClock(want: boolean): void {
    // the clocksource coming back does not bring the masterclock back while the TSCs differ
    const on = want && this.vcpusMatched();
    if (on) {
      const t = this.tsc.rdtscHost();
      this.clock[M_MASTER_CYCLE_NOW] = t;
      this.clock[M_MASTER_KERNEL_NS] = this.hostKernelNs(t);
    }
    Atomics.store(this.ctl, CTL_USE_MASTER_CLOCK, on ? 1 : 0);
    this.queueAll();
  }

  /** vcpus_matched from KVM's TSC generations (tsc-sync.ts), unless the host is the hypothetical one that ignores it */
  vcpusMatched(): boolean {
    return this.sync.vcpusMatched() || this.opts.ignoreTscMatching === true;
  }

  /**
   * A host-initiated TSC write on vCPU `cpu` that KVM does not match (a new generation): its
   * offset moves to `cycles` (relative, as SimTsc's) (kvm_synchronize_tsc → __kvm_synchronize_tsc →
   * kvm_track_tsc_matching, which requests the masterclock update the caller makes)
   */
  unmatchedTscWrite(cpu: number, cycles: number): void {
    this.sync.unmatchedWrite(cpu, this.sync.last_tsc_nsec, this.sync.origin + cycles);
    this.tsc.setOffset(cpu, cycles);
  }

  queueAll(): void {
    for (let k = 0; k < this.nr; k++) Atomics.store(this.ctl, vlane(k, V_REQ_CLOCK_UPDATE), 1);
  }
}

/** runs a stepped writer to completion (real threads: the stores happen back to back) */
export function drain(g: Generator<string, void, void>): void {
  for (let r = g.next(); r.done !== true; r = g.next());
}
