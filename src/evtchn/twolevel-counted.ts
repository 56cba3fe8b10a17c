// The 2-level event-channel ABI, as Xen and Linux run it today.
//   Hypervisor: xen-project/xen xen/common/event_2l.c (evtchn_2l_set_pending, _unmask) and
//               vcpu_mark_events_pending (xen/arch/x86/domain.c).
//   Guest:      torvalds/linux drivers/xen/events/events_2l.c (evtchn_2l_handle_events with
//               the per-CPU resume cursor current_word_idx/current_bit_idx) and the outer loop
//               of __xen_evtchn_do_upcall (drivers/xen/events/events_base.c).
// Shared memory (xen/include/public/xen.h struct shared_info, struct vcpu_info): evtchn_pending[W] and evtchn_mask[W] words of W
// bits (shared_info), one W-bit evtchn_pending_sel and an upcall_pending byte per vCPU.
// Linux checks each vCPU's VIRQ_TIMER port before the scan (evtchn_2l_handle_events,
// "Timer interrupt has highest priority"). Not modelled: pollers, the PV upcall mask (a
// vCPU takes its upcall only when the load says so).
// This is the counted model (the gate's and the counters'); twolevel-timed.ts is its timed twin.
import {
  checkConfig,
  portRangeError,
  StateCopy,
  WORK_BYTES_READ,
  WORK_DELIVERED,
  WORK_GUEST_LOCKED,
  WORK_LOOPS,
  WORK_SEND_RMW,
  WORK_SLOTS,
  WORK_TIMER_FIRST,
  WORK_UNMASK_HYPERCALLS,
  WORK_UPCALLS,
  WORK_WORDS_READ,
  WORK_XCHG,
  type EventHandler,
  type EvtchnConfig,
  type EvtchnModel,
  type ExtensionNeeds,
} from './abi.js';
import { ffsFrom, wordShift } from './bits.js';

export const name = '2-level';
export const family = 'bitmap';

/** the 2-level tree has two levels whatever the config says */
export function levels(_config?: unknown): number {
  return 2;
}

/** EVTCHN_2L_NR_CHANNELS: W * W */
export function capacity(config: Pick<EvtchnConfig, 'wordBits'>): number {
  return config.wordBits * config.wordBits;
}

export function create(config: EvtchnConfig): TwoLevel {
  return new TwoLevel(config);
}

export class TwoLevel implements EvtchnModel {
  readonly capacity: number;
  readonly vcpus: number;
  readonly work = new Float64Array(WORK_SLOTS);

  protected readonly W: number;
  protected readonly shift: number;
  /** 32-bit lanes per event word: 1 or 2 */
  protected readonly lanes: number;
  /** lanes of one whole bitmap (W*W bits) */
  protected readonly mapLanes: number;
  // shared_info: port p is bit (p & 31) of lane p >>> 5
  protected readonly pending: Uint32Array;
  protected readonly maskBits: Uint32Array;
  // vcpu_info, per vCPU
  protected readonly pendingSel: Uint32Array;
  protected readonly upcallPending: Uint8Array;
  // Xen's chn->notify_vcpu_id
  protected readonly notifyVcpu: Int32Array;
  // Linux's cpu_evtchn_mask[cpu]: bit set iff the port is bound to that CPU
  protected readonly cpuMask: Uint32Array;
  // Linux's per-CPU resume cursor
  protected readonly currentWordIdx: Int32Array;
  protected readonly currentBitIdx: Int32Array;
  // Linux's per-CPU VIRQ_TIMER port (0: none)
  protected readonly timerPort: Int32Array;
  protected readonly state: StateCopy;

  constructor(config: EvtchnConfig) {
    this.W = config.wordBits;
    this.capacity = capacity(config);
    checkConfig('2-level', config, this.capacity);
    this.vcpus = config.vcpus;
    this.shift = wordShift(config.wordBits);
    this.lanes = this.W >>> 5;
    this.mapLanes = this.capacity >>> 5;
    this.pending = new Uint32Array(this.mapLanes);
    this.maskBits = new Uint32Array(this.mapLanes);
    this.pendingSel = new Uint32Array(this.vcpus * this.lanes);
    this.upcallPending = new Uint8Array(this.vcpus);
    this.notifyVcpu = new Int32Array(this.capacity);
    this.cpuMask = new Uint32Array(this.vcpus * this.mapLanes);
    // every port starts bound to vCPU 0, as Linux's init_evtchn_cpu_bindings does
    this.cpuMask.fill(0xffffffff, 0, this.mapLanes);
    this.currentWordIdx = new Int32Array(this.vcpus);
    this.currentBitIdx = new Int32Array(this.vcpus);
    this.timerPort = new Int32Array(this.vcpus);
    this.state = new StateCopy(
      [this.pending, this.maskBits, this.pendingSel, this.upcallPending, this.currentWordIdx, this.currentBitIdx],
      [this.notifyVcpu, this.cpuMask, this.timerPort],
    );
  }

  saveState(): void {
    this.state.save();
  }

  restoreState(): void {
    this.state.restore();
  }

  private check(port: number): void {
    if (!(port > 0 && port < this.capacity)) throw portRangeError('2-level', port, this.capacity);
  }

  // evtchn_2l_set_pending: the bit operations in strict order, bottom-up
  setPending(port: number): void {
    this.check(port);
    const li = port >>> 5;
    const m = 1 << (port & 31);
    this.work[WORK_SEND_RMW]!++;
    if ((this.pending[li]! & m) !== 0) return; // already pending: coalesced, nothing raised
    this.pending[li]! |= m;
    if ((this.maskBits[li]! & m) !== 0) return; // masked: the edge is lost
    this.raise(this.notifyVcpu[port]!, port >>> this.shift);
  }

  // test_and_set(pending_sel bit word) then vcpu_mark_events_pending
  private raise(v: number, word: number): void {
    const si = v * this.lanes + (word >>> 5);
    const sm = 1 << (word & 31);
    this.work[WORK_SEND_RMW]!++;
    if ((this.pendingSel[si]! & sm) !== 0) return;
    this.pendingSel[si]! |= sm;
    this.work[WORK_SEND_RMW]!++;
    this.upcallPending[v] = 1;
  }

  mask(port: number): void {
    this.check(port);
    this.work[WORK_GUEST_LOCKED]!++; // Linux evtchn_2l_mask: sync_set_bit
    this.maskBits[port >>> 5]! |= 1 << (port & 31);
  }

  // Xen evtchn_2l_unmask: only a 1→0 mask transition of a pending port re-raises. Linux's
  // evtchn_2l_unmask makes the hypercall only for a port bound to another CPU (a PV guest);
  // on its own CPU it clears the mask and raises the selector itself, to the same effect.
  unmask(port: number, from = -1): void {
    this.check(port);
    if (from < 0 || this.notifyVcpu[port] !== from) this.work[WORK_UNMASK_HYPERCALLS]!++;
    else this.work[WORK_GUEST_LOCKED]! += (this.pending[port >>> 5]! & (1 << (port & 31))) !== 0 ? 2 : 1;
    const li = port >>> 5;
    const m = 1 << (port & 31);
    this.work[WORK_SEND_RMW]!++;
    if ((this.maskBits[li]! & m) === 0) return;
    this.maskBits[li]! &= ~m;
    if ((this.pending[li]! & m) === 0) return;
    this.raise(this.notifyVcpu[port]!, port >>> this.shift);
  }

  bind(port: number, vcpu: number): void {
    this.check(port);
    if (!(vcpu >= 0 && vcpu < this.vcpus)) throw new RangeError(`2-level: no vCPU ${vcpu} (vcpus=${this.vcpus})`);
    this.state.touchBindings();
    const old = this.notifyVcpu[port]!;
    const li = port >>> 5;
    const m = 1 << (port & 31);
    this.cpuMask[old * this.mapLanes + li]! &= ~m; // evtchn_2l_bind_to_cpu
    this.cpuMask[vcpu * this.mapLanes + li]! |= m;
    this.notifyVcpu[port] = vcpu;
  }

  setPriority(_port: number, _priority: number): void {
    // EVTCHNOP_set_priority: -ENOSYS for the 2-level ABI
  }

  bindTimer(port: number, vcpu: number): void {
    this.bind(port, vcpu);
    this.timerPort[vcpu] = port;
  }

  // evtchn_close → evtchn_2l_clear_pending; a reused port notifies vCPU 0 again
  close(port: number): void {
    this.check(port);
    this.pending[port >>> 5]! &= ~(1 << (port & 31));
    this.bind(port, 0);
  }

  isPending(port: number): boolean {
    this.check(port);
    return (this.pending[port >>> 5]! & (1 << (port & 31))) !== 0;
  }

  isMasked(port: number): boolean {
    this.check(port);
    return (this.maskBits[port >>> 5]! & (1 << (port & 31))) !== 0;
  }

  resetPending(): void {
    this.pending.fill(0);
    this.pendingSel.fill(0);
    this.upcallPending.fill(0);
    this.currentWordIdx.fill(0);
    this.currentBitIdx.fill(0);
  }

  sharedBytes(): number {
    return 2 * (this.capacity >>> 3); // evtchn_pending + evtchn_mask
  }

  perVcpuBytes(): number {
    return (this.W >>> 3) + 1; // evtchn_pending_sel + evtchn_upcall_pending
  }

  // nothing: shared_info and vcpu_info are set up on resume for every guest, extension or not
  reregistration(): { hypercalls: number; pages: number } {
    return { hypercalls: 0, pages: 0 };
  }

  // every bit is in shared_info and vcpu_info, guest memory that migrates with the guest
  migrate(): number {
    return 0;
  }

  // the 2-level ABI is in shared_info: every host has it
  needs(): ExtensionNeeds {
    return { levels: 2, fifoPorts: 0 };
  }

  privateBytesPerVcpu(): number {
    return this.capacity >>> 3; // Linux's cpu_evtchn_mask[cpu]
  }

  // __xen_evtchn_do_upcall: clear the master flag first, scan, repeat while Xen re-raised it
  upcall(v: number, handler: EventHandler): number {
    if (this.upcallPending[v] === 0) return 0;
    this.work[WORK_UPCALLS]!++;
    let delivered = 0;
    do {
      this.upcallPending[v] = 0;
      this.work[WORK_LOOPS]!++;
      const timer = this.timerPort[v]!;
      if (timer !== 0) delivered += this.timerFirst(v, timer, handler);
      delivered += this.handleEvents(v, handler);
    } while (this.upcallPending[v] !== 0);
    return delivered;
  }

  // "Timer interrupt has highest priority": active_evtchns of the timer's word, then the
  // timer alone, before the selector is taken; the cursor does not move
  private timerFirst(v: number, port: number, handler: EventHandler): number {
    const li = port >>> 5;
    const m = 1 << (port & 31);
    this.work[WORK_WORDS_READ]! += 3;
    this.work[WORK_BYTES_READ]! += 3 * (this.W >>> 3);
    if ((this.pending[li]! & this.cpuMask[v * this.mapLanes + li]! & ~this.maskBits[li]! & m) === 0) return 0;
    this.pending[li]! &= ~m;
    this.work[WORK_GUEST_LOCKED]!++;
    this.work[WORK_TIMER_FIRST]!++;
    this.work[WORK_DELIVERED]!++;
    handler.handle(v, port);
    return 1;
  }

  // evtchn_2l_handle_events, transliterated (Linux drivers/xen/events/events_2l.c)
  private handleEvents(v: number, handler: EventHandler): number {
    const W = this.W;
    const wmask = W - 1;
    const lanes = this.lanes;
    const selBase = v * lanes;
    // xchg(evtchn_pending_sel, 0)
    let pw0 = this.pendingSel[selBase]! | 0;
    let pw1 = lanes === 2 ? this.pendingSel[selBase + 1]! | 0 : 0;
    this.pendingSel[selBase] = 0;
    if (lanes === 2) this.pendingSel[selBase + 1] = 0;
    this.work[WORK_XCHG]!++;
    this.work[WORK_GUEST_LOCKED]!++;
    const wordBytes = W >>> 3;
    this.work[WORK_BYTES_READ]! += wordBytes;

    const cpuBase = v * this.mapLanes;
    const startWord = this.currentWordIdx[v]!;
    const startBit = this.currentBitIdx[v]!;
    let delivered = 0;
    let word = startWord;
    for (let i = 0; (pw0 | pw1) !== 0; i++) {
      const w = ffsFrom(pw0, pw1, word);
      if (w < 0) {
        word = 0; // wrap to the beginning; `continue` still does i++
        continue;
      }
      word = w;
      // active_evtchns: one snapshot of pending & cpu mask & ~mask per word visit
      const li = word * lanes;
      const pb0 = this.pending[li]! & this.cpuMask[cpuBase + li]! & ~this.maskBits[li]!;
      let pb1 = 0;
      if (lanes === 2) {
        pb1 = this.pending[li + 1]! & this.cpuMask[cpuBase + li + 1]! & ~this.maskBits[li + 1]!;
      }
      this.work[WORK_WORDS_READ]! += 3;
      this.work[WORK_BYTES_READ]! += 3 * wordBytes;
      let bit = word === startWord && i === 0 ? startBit : 0;
      do {
        const b = ffsFrom(pb0, pb1, bit);
        if (b < 0) break;
        const port = word * W + b;
        this.pending[port >>> 5]! &= ~(1 << (port & 31)); // ack (sync_clear_bit) before the driver runs
        this.work[WORK_GUEST_LOCKED]!++;
        delivered++;
        handler.handle(v, port);
        bit = (b + 1) & wmask;
        // "Next caller starts at last processed + 1"
        this.currentWordIdx[v] = bit !== 0 ? word : (word + 1) & wmask;
        this.currentBitIdx[v] = bit;
      } while (bit !== 0);
      // "Scan start_l1i twice; all others once."
      if (word !== startWord || i !== 0) {
        if (word < 32) pw0 &= ~(1 << word);
        else pw1 &= ~(1 << (word - 32));
      }
      word = (word + 1) & wmask;
    }
    this.work[WORK_DELIVERED]! += delivered;
    return delivered;
  }
}
