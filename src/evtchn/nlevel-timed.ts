// The timed N-level model: the operations of NLevel (nlevel-counted.ts) on the same state, in
// the same order of bit operations, without the work counters and without the port-range
// check (the gate has run the same stream through the checked, counted model first, and the
// suite's gate holds this model to its deliveries). The selector tree is walked by the
// counted model's own visit() (its one counting hook, countSelectorXchg, does nothing here):
// its cost is per selector word, like the 2-level selector scan, which also finds the next
// word with ffsFrom. The leaf scan, where the cost per event is, is specialised per word size
// as in twolevel-timed.ts: a 64-bit leaf word is two 32-bit lanes, a 32-bit one a single lane.
import type { EventHandler, EvtchnConfig } from './abi.js';
import { NLevel, REVISIT, START } from './nlevel-counted.js';

export function createTimed(config: EvtchnConfig): NLevel {
  return config.wordBits === 64 ? new NLevelTimed64(config) : new NLevelTimed32(config);
}

abstract class NLevelTimed extends NLevel {
  override setPending(port: number): void {
    const li = port >>> 5;
    const m = 1 << (port & 31);
    const p = this.pending[li]!;
    if ((p & m) !== 0) return;
    this.pending[li] = p | m;
    if ((this.maskBits[li]! & m) !== 0) return;
    this.notify(this.notifyVcpu[port]!, port);
  }

  // bottom-up, stopping at the first selector bit already set
  private notify(v: number, port: number): void {
    const base = v * (this.depth - 1);
    for (let k = this.depth - 2; k >= 0; k--) {
      const g = port >>> this.levelShift[k]!;
      const idx = this.selBase[base + k]! + (g >>> 5);
      const m = 1 << (g & 31);
      const s = this.sel[idx]!;
      if ((s & m) !== 0) return;
      this.sel[idx] = s | m;
    }
    this.upcallPending[v] = 1;
  }

  override mask(port: number): void {
    this.maskBits[port >>> 5]! |= 1 << (port & 31);
  }

  override unmask(port: number, _from?: number): void {
    const li = port >>> 5;
    const m = 1 << (port & 31);
    const k = this.maskBits[li]!;
    if ((k & m) === 0) return;
    this.maskBits[li] = k & ~m;
    if ((this.pending[li]! & m) === 0) return;
    this.notify(this.notifyVcpu[port]!, port);
  }

  override upcall(v: number, handler: EventHandler): number {
    if (this.upcallPending[v] === 0) return 0;
    let delivered = 0;
    do {
      this.upcallPending[v] = 0;
      const timer = this.timerPort[v]!;
      if (timer !== 0) delivered += this.timerAlone(v, timer, handler);
      this.startPort = this.cursor[v]!;
      delivered += this.visit(v, 0, 0, START, handler);
      if ((this.keep[0]! | this.keep[1]!) !== 0) delivered += this.visit(v, 0, 0, REVISIT, handler);
    } while (this.upcallPending[v] !== 0);
    return delivered;
  }

  protected override countSelectorXchg(): void {}

  private timerAlone(v: number, port: number, handler: EventHandler): number {
    const li = port >>> 5;
    const m = 1 << (port & 31);
    if ((this.pending[li]! & this.cpuMask[v * this.mapLanes + li]! & ~this.maskBits[li]! & m) === 0) return 0;
    this.pending[li]! &= ~m;
    handler.handle(v, port);
    return 1;
  }

  /** The ports of one 32-bit lane of a leaf snapshot, lowest first (`base`: the lane's first
   *  port), each acked before the handler runs, the cursor moved past it after. */
  protected deliverLane(v: number, base: number, bits: number, handler: EventHandler): number {
    const pending = this.pending;
    const li = base >>> 5;
    const cursor = this.cursor;
    const last = this.capacity - 1;
    let delivered = 0;
    while (bits !== 0) {
      const low = bits & -bits;
      bits ^= low;
      const port = base + 31 - Math.clz32(low);
      pending[li] = pending[li]! & ~low;
      delivered++;
      handler.handle(v, port);
      cursor[v] = (port + 1) & last;
    }
    return delivered;
  }
}

class NLevelTimed64 extends NLevelTimed {
  protected override scanLeaf(v: number, word: number, fromBit: number, handler: EventHandler): number {
    const li = 2 * word;
    const ci = v * this.mapLanes + li;
    let lo = this.pending[li]! & this.cpuMask[ci]! & ~this.maskBits[li]!;
    let hi = this.pending[li + 1]! & this.cpuMask[ci + 1]! & ~this.maskBits[li + 1]!;
    if (fromBit < 32) lo &= -1 << fromBit;
    else {
      lo = 0;
      hi &= -1 << (fromBit - 32);
    }
    let delivered = 0;
    if (lo !== 0) delivered += this.deliverLane(v, 64 * word, lo, handler);
    if (hi !== 0) delivered += this.deliverLane(v, 64 * word + 32, hi, handler);
    return delivered;
  }
}

class NLevelTimed32 extends NLevelTimed {
  protected override scanLeaf(v: number, word: number, fromBit: number, handler: EventHandler): number {
    const bits = this.pending[word]! & this.cpuMask[v * this.mapLanes + word]! & ~this.maskBits[word]!;
    return bits === 0 ? 0 : this.deliverLane(v, 32 * word, bits & (-1 << fromBit), handler);
  }
}
