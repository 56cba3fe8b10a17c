// The domain right after it resumes on the new host: Xen's per-vCPU vcpu_info pointer, the
// guest's per-CPU pointer (Linux per_cpu(xen_vcpu), FreeBSD DPCPU vcpu_info), the
// VCPUOP_* hypercalls that move them, and event delivery through the evtchn suite's 2-level
// model (src/evtchn/twolevel.ts, used through its EvtchnPortOps interface only).
//
// Areas as 2-level "vCPUs": the model is created with 2N+1 of them, one per place a
// vcpu_info can live: slot v = shared_info->vcpu_info[v] (v < legacyMax), slot N+v = v's
// registered area, slot 2N = Xen's dummy_vcpu_info (shared by every vCPU without an area).
// A port bound to vCPU v is bound to the slot Xen's pointer for v names, so a send raises
// the selector and upcall_pending of the area Xen writes; a guest upcall on v scans the slot
// the guest's pointer names. When the guest reads an area Xen does not write, it sees none
// of v's events. Injection (vcpu_mark_events_pending's test_and_set of upcall_pending → the
// callback vector) is decided on a mirror of each slot's selector and upcall_pending kept
// here, because the interface does not expose them.
import type { EventHandler, EvtchnPortOps } from '../evtchn/abi.js';
import { create as createTwoLevel } from '../evtchn/twolevel.js';
import { fullScanWords } from './scan.js';

import {
  AREA_NONE,
  AREA_REGISTERED,
  AREA_SHARED,
  EBUSY,
  EINVAL,
  ENOSYS,
  type MachineConfig,
  TIME_SOURCE,
  TIME_TARGET,
  TIME_ZERO,
} from './config.js';

export * from './config.js';

export class Machine implements EventHandler {
  readonly n: number;
  readonly ports: EvtchnPortOps;
  readonly xenArea: Uint8Array;
  readonly guestArea: Uint8Array;
  readonly down: Uint8Array;
  readonly paused: Uint8Array;
  /** 'edge' injection: the LAPIC vector is latched on the vCPU (taken when it runs with interrupts on) */
  readonly irq: Uint8Array;
  /** the guest oopsed on this vCPU (an upcall through a NULL vcpu_info): it runs no more */
  readonly dead: Uint8Array;
  /** per slot: mirror of upcall_pending, the selector's all-ones mark, and the time's origin */
  private readonly upcallMirror: Uint8Array;
  private readonly selMirror: Uint32Array;
  private readonly allOnes: Uint8Array;
  readonly time: Uint8Array;
  private readonly portsOfVcpu: Int32Array[];
  private readonly scanWords: number;
  private readonly wordShift: number;
  // observations: +port for a send, -port for a delivery, in the order they happened
  readonly log: number[] = [];
  nullUpcalls = 0;
  staleUpcalls = 0;
  firstBadVcpu = -1;
  upcalls = 0;
  spuriousScanWords = 0;
  // counters
  readonly hypercalls = { is_up: 0, down: 0, up: 0, register: 0, register_failed: 0 };
  toolstackOps = 0;
  pauses = 0;
  unpauses = 0;
  downScanVcpus = 0;
  worstDown = 0;
  clockReads = 0;
  clockBad = 0;
  /** the same reads had Xen not forced a time update at registration */
  clockBadUnforced = 0;
  private readonly populated: Uint8Array;
  // critical path: domain_lock's last holder depth
  lockDepth = 0;

  constructor(readonly cfg: MachineConfig) {
    const n = cfg.vcpus;
    this.n = n;
    const slots = 2 * n + 1;
    const ports = cfg.bindOf.length;
    const wordBits = cfg.wordBits ?? 64;
    this.wordShift = wordBits === 64 ? 6 : 5;
    this.ports = createTwoLevel({ wordBits, depth: 2, vcpus: slots, ports: Math.max(2, ports) });
    this.xenArea = new Uint8Array(n);
    this.guestArea = new Uint8Array(n);
    this.down = new Uint8Array(n);
    this.paused = new Uint8Array(n);
    this.irq = new Uint8Array(n);
    this.dead = new Uint8Array(n);
    this.upcallMirror = new Uint8Array(slots);
    this.selMirror = new Uint32Array(slots * 2);
    this.allOnes = new Uint8Array(slots);
    this.time = new Uint8Array(slots);
    this.populated = new Uint8Array(slots);
    this.scanWords = fullScanWords();
    this.portsOfVcpu = Array.from({ length: n }, () => new Int32Array(0));
    const lists: number[][] = Array.from({ length: n }, () => []);
    for (let p = 1; p < ports; p++) lists[cfg.bindOf[p]!]!.push(p);
    for (let v = 0; v < n; v++) this.portsOfVcpu[v] = Int32Array.from(lists[v]!);
    const registered = cfg.placement === 'registered';
    for (let v = 0; v < n; v++) {
      const legacy = v < cfg.legacyMax ? AREA_SHARED : AREA_NONE;
      // a new host starts every vCPU on its shared_info slot or dummy_vcpu_info (vcpu_info_reset);
      // a cancelled suspend never left the old one
      this.xenArea[v] = registered && cfg.cancelled ? AREA_REGISTERED : legacy;
      this.guestArea[v] = registered ? AREA_REGISTERED : legacy;
      this.time[v] = TIME_TARGET;
      this.time[n + v] = cfg.cancelled ? TIME_TARGET : TIME_SOURCE;
      this.populated[n + v] = this.time[n + v]!;
      for (const p of this.portsOfVcpu[v]!) this.ports.bind(p, this.xenSlot(v));
    }
  }

  slotOf(v: number, area: number): number {
    if (area === AREA_REGISTERED) return this.n + v;
    return area === AREA_SHARED ? v : 2 * this.n;
  }

  xenSlot(v: number): number {
    return this.slotOf(v, this.xenArea[v]!);
  }

  /** upcall_pending of the area Xen writes for v (the mirror that decides injection) */
  xenUpcallPending(v: number): boolean {
    return this.upcallMirror[this.xenSlot(v)] !== 0;
  }

  /** the vCPU can run (not down, not paused by Xen, not crashed) */
  runnable(v: number): boolean {
    return this.down[v] === 0 && this.paused[v] === 0 && this.dead[v] === 0;
  }

  /** Xen interrupts the vCPU for its events when it next runs with interrupts on */
  interrupted(v: number): boolean {
    return this.cfg.injection === 'edge' ? this.irq[v] !== 0 : this.upcallMirror[this.xenSlot(v)] !== 0;
  }

  // ---- Xen: EVTCHNOP_send and evtchn_2l_set_pending → vcpu_mark_events_pending
  send(port: number): void {
    this.log.push(port);
    const wasPending = this.ports.isPending(port);
    this.ports.setPending(port);
    if (wasPending || this.ports.isMasked(port)) return;
    this.raise(this.cfg.bindOf[port]!, port >>> this.wordShift);
  }

  private raise(v: number, word: number): void {
    const slot = this.xenSlot(v);
    const lane = slot * 2 + (word >>> 5);
    const bit = 1 << (word & 31);
    if ((this.selMirror[lane]! & bit) !== 0) return;
    this.selMirror[lane]! |= bit;
    this.markPending(v, slot);
  }

  // vcpu_mark_events_pending: test_and_set(upcall_pending); inject only on 0 → 1
  private markPending(v: number, slot: number): void {
    if (this.upcallMirror[slot] !== 0) return;
    this.upcallMirror[slot] = 1;
    if (this.cfg.injection === 'edge') this.irq[v] = 1;
  }

  // ---- guest: the callback vector → __xen_evtchn_do_upcall through the per-CPU pointer.
  // Returns false when the upcall changed nothing that matters: level injection through an
  // area Xen does not write leaves Xen's upcall_pending set, so the vCPU is interrupted again.
  upcall(v: number): boolean {
    const edge = this.irq[v] !== 0;
    this.irq[v] = 0;
    this.upcalls++;
    const area = this.guestArea[v]!;
    if (area === AREA_NONE) {
      // Linux: xen_vcpu is NULL → oops; FreeBSD: vcpu_info NULL
      this.nullUpcalls++;
      this.dead[v] = 1;
      if (this.firstBadVcpu < 0) this.firstBadVcpu = v;
      return true;
    }
    const stale = area !== this.xenArea[v];
    if (stale) {
      this.staleUpcalls++;
      if (this.firstBadVcpu < 0) this.firstBadVcpu = v;
    }
    const slot = this.slotOf(v, area);
    if (this.allOnes[slot] !== 0) {
      this.spuriousScanWords += this.scanWords;
      this.allOnes[slot] = 0;
    }
    const wasPending = this.upcallMirror[slot] !== 0;
    this.upcallMirror[slot] = 0;
    this.selMirror[slot * 2] = 0;
    this.selMirror[slot * 2 + 1] = 0;
    const delivered = this.ports.upcall(slot, this);
    return edge || !stale || wasPending || delivered > 0;
  }

  handle(_slot: number, port: number): void {
    this.log.push(-port);
  }

  // ---- VCPUOP_is_up / down / up (xen/common/domain.c:common_vcpu_op)
  isUp(target: number): number {
    this.hypercalls.is_up++;
    if (!this.cfg.host.vcpuOps) return ENOSYS;
    return this.down[target] === 0 ? 1 : 0;
  }

  vcpuDown(target: number): number {
    this.hypercalls.down++;
    if (!this.cfg.host.vcpuOps) return ENOSYS;
    this.downScanVcpus += this.n; // "Last vcpu going down?": every vCPU's _VPF_down is tested
    if (this.down[target] === 0) {
      this.down[target] = 1; // test_and_set_bit(_VPF_down) + vcpu_sleep_nosync
      this.pauses++;
      this.noteDown();
    }
    return 0;
  }

  vcpuUp(target: number): number {
    this.hypercalls.up++;
    if (!this.cfg.host.vcpuOps) return ENOSYS;
    if (this.down[target] !== 0) {
      this.down[target] = 0; // test_and_clear_bit(_VPF_down) → vcpu_wake
      this.unpauses++;
    }
    return 0;
  }

  private noteDown(): void {
    let k = 0;
    for (let v = 0; v < this.n; v++) if (this.down[v] !== 0 || this.paused[v] !== 0) k++;
    if (k > this.worstDown) this.worstDown = k;
  }

  // ---- VCPUOP_register_vcpu_info, first half: the checks, then (domain_lock held) populate
  // the new area and swap Xen's pointer. Returns 0, or a negative errno and nothing changed.
  registerSwap(actor: number, target: number, populate: 'copy-or-zero' | 'keep'): number {
    if (populate === 'keep') this.toolstackOps++;
    else this.hypercalls.register++;
    let rc = 0;
    if (this.xenArea[target] === AREA_REGISTERED) rc = this.cfg.host.remote === 'refuse-running' ? EINVAL : EBUSY;
    else if (actor >= 0 && actor !== target && this.cfg.host.remote === 'refuse-running' && this.down[target] === 0)
      rc = EINVAL; // "Run this command on yourself or on other offline VCPUS"
    else if (target === this.cfg.failVcpu) rc = EINVAL; // get_page_type(PGT_writable_page) failed
    if (rc !== 0) {
      this.hypercalls.register_failed++;
      return rc;
    }
    if (actor >= 0 && actor !== target && this.cfg.host.remote === 'pause') {
      this.paused[target] = 1; // map_guest_area: vcpu_pause(v), which waits until v is off its pCPU
      this.pauses++;
      this.noteDown();
    }
    const oldSlot = this.xenSlot(target);
    const newSlot = this.n + target;
    // vcpu_info_populate: memset (upcall masked) if the old pointer was dummy_vcpu_info, else memcpy
    if (populate === 'copy-or-zero')
      this.time[newSlot] = this.xenArea[target] === AREA_NONE ? TIME_ZERO : this.time[oldSlot]!;
    this.populated[newSlot] = this.time[newSlot]!;
    this.xenArea[target] = AREA_REGISTERED;
    for (const p of this.portsOfVcpu[target]!) this.ports.bind(p, newSlot);
    return 0;
  }

  // second half, after smp_wmb: "Mark everything as being pending just to make sure nothing
  // gets lost": evtchn_pending_sel = ~0, vcpu_mark_events_pending, force_update_vcpu_system_time,
  // then vcpu_unpause for a remote target.
  registerMark(target: number): void {
    const slot = this.n + target;
    this.selMirror[slot * 2] = 0xffffffff;
    this.selMirror[slot * 2 + 1] = 0xffffffff;
    this.allOnes[slot] = 1;
    // the 2-level model cannot set a selector to all ones through its interface: re-raise
    // each pending, unmasked port of the vCPU instead (a 1→0 mask edge of a pending port
    // raises it), which makes the guest's next scan deliver exactly what an all-ones scan would
    for (const p of this.portsOfVcpu[target]!) {
      if (this.ports.isPending(p) && !this.ports.isMasked(p)) {
        this.ports.mask(p);
        this.ports.unmask(p);
      }
    }
    this.markPending(target, slot);
    if (this.cfg.forceTime) this.time[slot] = TIME_TARGET;
    if (this.paused[target] !== 0) {
      this.paused[target] = 0;
      this.unpauses++;
    }
  }

  /** the guest points its per-CPU pointer somewhere; reading the clock right after (INV-B1) */
  point(v: number, area: number, readClock: boolean): void {
    this.guestArea[v] = area;
    if (!readClock || area === AREA_NONE) return;
    this.clockReads++;
    const slot = this.slotOf(v, area);
    if (this.time[slot] !== TIME_TARGET) this.clockBad++;
    if (this.populated[slot] !== TIME_TARGET) this.clockBadUnforced++;
  }

  /** the guest's fallback after a failed registration: the shared_info slot, or NULL beyond it */
  legacyArea(v: number): number {
    return v < this.cfg.legacyMax ? AREA_SHARED : AREA_NONE;
  }
}
