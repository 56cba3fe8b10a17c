// The timed 2-level model: the operations of TwoLevel (twolevel-counted.ts) on the same state,
// in the same order of bit operations, without the work counters and without the port-range
// check (the gate has run the same stream through the checked, counted model first, and the
// suite's gate holds this model to its deliveries). The scan is specialised per word size, as
// the C of Linux's evtchn_2l_handle_events is compiled per xen_ulong_t: a 64-bit word is two
// 32-bit lanes, a 32-bit word one. What both share is the handling of one lane of an
// active_evtchns snapshot (deliverLane).
import type { EventHandler, EvtchnConfig } from './abi.js';
import { ffsFrom } from './bits.js';
import { TwoLevel } from './twolevel-counted.js';

export function createTimed(config: EvtchnConfig): TwoLevel {
  return config.wordBits === 64 ? new TwoLevelTimed64(config) : new TwoLevelTimed32(config);
}

abstract class TwoLevelTimed extends TwoLevel {
  // evtchn_2l_set_pending
  override setPending(port: number): void {
    const li = port >>> 5;
    const m = 1 << (port & 31);
    const p = this.pending[li]!;
    if ((p & m) !== 0) return;
    this.pending[li] = p | m;
    if ((this.maskBits[li]! & m) !== 0) return;
    this.notify(this.notifyVcpu[port]!, port >>> this.shift);
  }

  // test_and_set(pending_sel bit word), then vcpu_mark_events_pending
  private notify(v: number, word: number): void {
    const si = v * this.lanes + (word >>> 5);
    const sm = 1 << (word & 31);
    const s = this.pendingSel[si]!;
    if ((s & sm) !== 0) return;
    this.pendingSel[si] = s | sm;
    this.upcallPending[v] = 1;
  }

  override mask(port: number): void {
    this.maskBits[port >>> 5]! |= 1 << (port & 31);
  }

  // Xen evtchn_2l_unmask: a 1→0 mask transition of a pending port re-raises it
  override unmask(port: number, _from?: number): void {
    const li = port >>> 5;
    const m = 1 << (port & 31);
    const k = this.maskBits[li]!;
    if ((k & m) === 0) return;
    this.maskBits[li] = k & ~m;
    if ((this.pending[li]! & m) === 0) return;
    this.notify(this.notifyVcpu[port]!, port >>> this.shift);
  }

  // __xen_evtchn_do_upcall
  override upcall(v: number, handler: EventHandler): number {
    if (this.upcallPending[v] === 0) return 0;
    let delivered = 0;
    do {
      this.upcallPending[v] = 0;
      const timer = this.timerPort[v]!;
      if (timer !== 0) delivered += this.timerAlone(v, timer, handler);
      delivered += this.scan(v, handler);
    } while (this.upcallPending[v] !== 0);
    return delivered;
  }

  /** evtchn_2l_handle_events after the timer pre-check, for this word size */
  protected abstract scan(v: number, handler: EventHandler): number;

  // "Timer interrupt has highest priority"
  private timerAlone(v: number, port: number, handler: EventHandler): number {
    const li = port >>> 5;
    const m = 1 << (port & 31);
    if ((this.pending[li]! & this.cpuMask[v * this.mapLanes + li]! & ~this.maskBits[li]! & m) === 0) return 0;
    this.pending[li]! &= ~m;
    handler.handle(v, port);
    return 1;
  }

  /** The ports of one 32-bit lane of a snapshot, lowest first (`base`: the lane's first
   *  port): each acked before the handler runs, the cursor written after each one ("Next
   *  caller starts at last processed + 1"). The snapshot is not re-read: a port the handler
   *  raises again waits for the next visit, as in Linux. */
  protected deliverLane(v: number, base: number, bits: number, handler: EventHandler): number {
    const pending = this.pending;
    const li = base >>> 5;
    const wordIdx = this.currentWordIdx;
    const bitIdx = this.currentBitIdx;
    const shift = this.shift;
    const wmask = this.W - 1;
    let delivered = 0;
    while (bits !== 0) {
      const low = bits & -bits;
      bits ^= low;
      const port = base + 31 - Math.clz32(low);
      pending[li] = pending[li]! & ~low;
      delivered++;
      handler.handle(v, port);
      const next = port + 1;
      wordIdx[v] = (next >>> shift) & wmask;
      bitIdx[v] = next & wmask;
    }
    return delivered;
  }
}

/** x86-64 and Arm guests: 64 words of 64 bits, the selector and each word two lanes */
class TwoLevelTimed64 extends TwoLevelTimed {
  protected scan(v: number, handler: EventHandler): number {
    const sel = this.pendingSel;
    const s = 2 * v;
    let pw0 = sel[s]! | 0; // xchg(evtchn_pending_sel, 0)
    let pw1 = sel[s + 1]! | 0;
    sel[s] = 0;
    sel[s + 1] = 0;
    const pending = this.pending;
    const cpu = this.cpuMask;
    const mask = this.maskBits;
    const cpuBase = v * this.mapLanes;
    const startWord = this.currentWordIdx[v]!;
    const startBit = this.currentBitIdx[v]!;
    let delivered = 0;
    let word = startWord;
    for (let i = 0; (pw0 | pw1) !== 0; i++) {
      const w = ffsFrom(pw0, pw1, word);
      if (w < 0) {
        word = 0; // wrap; `continue` still does i++
        continue;
      }
      word = w;
      // active_evtchns
      const li = 2 * word;
      let lo = pending[li]! & cpu[cpuBase + li]! & ~mask[li]!;
      let hi = pending[li + 1]! & cpu[cpuBase + li + 1]! & ~mask[li + 1]!;
      if (i === 0 && word === startWord) {
        // MASK_LSBS(pending_bits, start_bit); the start word stays for a second visit
        if (startBit < 32) lo &= -1 << startBit;
        else {
          lo = 0;
          hi &= -1 << (startBit - 32);
        }
      } else if (word < 32) pw0 &= ~(1 << word);
      else pw1 &= ~(1 << (word - 32));
      if (lo !== 0) delivered += this.deliverLane(v, 64 * word, lo, handler);
      if (hi !== 0) delivered += this.deliverLane(v, 64 * word + 32, hi, handler);
      word = (word + 1) & 63;
    }
    return delivered;
  }
}

/** 32-bit x86 guests: 32 words of 32 bits, one lane each */
class TwoLevelTimed32 extends TwoLevelTimed {
  protected scan(v: number, handler: EventHandler): number {
    let pw = this.pendingSel[v]! | 0; // xchg(evtchn_pending_sel, 0)
    this.pendingSel[v] = 0;
    const pending = this.pending;
    const cpu = this.cpuMask;
    const mask = this.maskBits;
    const cpuBase = v * this.mapLanes;
    const startWord = this.currentWordIdx[v]!;
    const startBit = this.currentBitIdx[v]!;
    let delivered = 0;
    let word = startWord;
    for (let i = 0; pw !== 0; i++) {
      const m = pw & (-1 << word);
      if (m === 0) {
        word = 0;
        continue;
      }
      word = 31 - Math.clz32(m & -m);
      let bits = pending[word]! & cpu[cpuBase + word]! & ~mask[word]!;
      if (i === 0 && word === startWord) bits &= -1 << startBit;
      else pw &= ~(1 << word);
      if (bits !== 0) delivered += this.deliverLane(v, 32 * word, bits, handler);
      word = (word + 1) & 31;
    }
    return delivered;
  }
}
