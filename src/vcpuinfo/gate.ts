// The gate's run of one resume and its verdict. The run: seeded rounds in which every live
// program takes one step (waiting ones only once something changed), in a fresh seeded order each round (the vCPUs run in parallel; the
// event source sends the round's whole batch on its turn). The reference simply delivers
// everything: every send is owed one delivery on the vCPU the channel is bound to, sends to
// a channel still pending merging into it (2-level coalesces them, as Xen does). The verdict
// is the first send never delivered, the first delivery no send asked for, or the first
// upcall taken through no vcpu_info at all (a NULL pointer: the guest oopses).
import { Rng, type Gate } from '../harness/kit.js';
import { AREA_NONE, type Machine, type MachineConfig } from './machine.js';
import { type Program, Resume, type Send } from './programs.js';
import type { RestoreStrategy } from './strategy.js';

/** A resume ready to run: built untimed (machine, programs), driven by run(). */
export class Driver {
  readonly r: Resume;
  private readonly gens: Program[] = [];
  private readonly alive: Uint8Array;
  private readonly order: Int32Array;
  private readonly rng: Rng;
  private readonly lastRound: number;

  constructor(
    readonly s: RestoreStrategy,
    cfg: MachineConfig,
    sends: readonly Send[],
    seed: number,
  ) {
    this.r = new Resume(s, cfg, sends);
    const k = this.r.actors;
    for (let i = 0; i < k; i++) this.gens.push(this.r.program(i));
    this.alive = new Uint8Array(k).fill(1);
    this.order = new Int32Array(k);
    for (let i = 0; i < k; i++) this.order[i] = i;
    this.rng = new Rng(seed >>> 0);
    this.lastRound = (sends.length > 0 ? sends[sends.length - 1]!.round : 0) + 20 * cfg.vcpus + 1000;
  }

  run(): Resume {
    const { r, gens, alive, order, rng } = this;
    const k = r.actors;
    const sender = r.n;
    let left = k;
    // A step labelled 'spin: …' changed nothing: that program is not stepped again until some
    // other program has made progress (as in the explorer), so waiting vCPUs cost nothing.
    // The event source is exempt: it waits for the next round, which is a change of its own.
    let epoch = 0;
    const spunAt = new Float64Array(k).fill(-1);
    while (left > 0) {
      for (let i = k - 1; i > 0; i--) {
        const j = rng.int(i + 1);
        const t = order[i]!;
        order[i] = order[j]!;
        order[j] = t;
      }
      for (let o = 0; o < k; o++) {
        const i = order[o]!;
        if (alive[i] === 0 || spunAt[i] === epoch) continue;
        for (;;) {
          const res = gens[i]!.next();
          if (res.done === true) {
            alive[i] = 0;
            left--;
            epoch++;
            break;
          }
          if (res.value.startsWith('spin')) {
            if (i !== sender) spunAt[i] = epoch;
            break;
          }
          epoch++;
          if (i !== sender) break;
        }
      }
      r.round++;
      if (r.round > this.lastRound)
        throw new Error(`vcpuinfo: ${this.s.name} did not finish its resume in ${this.lastRound} rounds`);
    }
    return r;
  }
}

export function runResume(s: RestoreStrategy, cfg: MachineConfig, sends: readonly Send[], seed: number): Resume {
  return new Driver(s, cfg, sends, seed).run();
}

export interface Finding {
  readonly kind: 'lost' | 'duplicate' | 'null';
  /** index of the send (lost), or of the delivery in the log (duplicate), or the first send to the vCPU (null) */
  readonly at: number;
  readonly expected: string;
  readonly actual: string;
}

/** Why a vCPU's events are not being delivered, in the guest's terms. */
function reasonOf(m: Machine, v: number): string {
  if (m.down[v] !== 0) return `vcpu${v} stayed down (its registration failed: the guest hangs in stop_machine)`;
  if (m.guestArea[v] === AREA_NONE) return `vcpu${v} has no vcpu_info (NULL pointer)`;
  if (m.guestArea[v] !== m.xenArea[v]) return `vcpu${v} reads a vcpu_info Xen no longer writes`;
  if (!m.interrupted(v) && m.xenUpcallPending(v))
    return `vcpu${v} gets no more callbacks: upcall_pending stayed set in the area Xen writes while the guest scanned another`;
  return `vcpu${v} has it pending but never scanned it`;
}

/** The first difference from the reference (deliver every send once), or null. Lost events count only once the run is over. */
export function verdict(r: Resume): Finding | null {
  const m = r.m;
  const log = m.log;
  const bindOf = m.cfg.bindOf;
  const outstanding = new Int32Array(bindOf.length);
  const firstOwed = new Int32Array(bindOf.length).fill(-1);
  let sendIndex = 0;
  if (m.nullUpcalls > 0) {
    const v = m.firstBadVcpu;
    let at = 0;
    for (let i = 0, s = 0; i < log.length; i++) {
      if (log[i]! > 0) {
        if (bindOf[log[i]!] === v) {
          at = s;
          break;
        }
        s++;
      }
    }
    return {
      kind: 'null',
      at,
      expected: `vcpu${v} takes its upcalls through a vcpu_info`,
      actual: `vcpu${v} took an event upcall through a NULL vcpu_info (the guest oopses)`,
    };
  }
  for (let i = 0; i < log.length; i++) {
    const e = log[i]!;
    if (e > 0) {
      if (outstanding[e] === 0) firstOwed[e] = sendIndex;
      outstanding[e]!++;
      sendIndex++;
    } else {
      const p = -e;
      if (outstanding[p] === 0) {
        return {
          kind: 'duplicate',
          at: i,
          expected: `port ${p} delivered once per send`,
          actual: `port ${p} delivered again with no send since the last delivery`,
        };
      }
      outstanding[p] = 0;
      firstOwed[p] = -1;
    }
  }
  if (!r.over) return null;
  let worst = -1;
  for (let p = 1; p < outstanding.length; p++) {
    if (outstanding[p]! > 0 && (worst < 0 || firstOwed[p]! < firstOwed[worst]!)) worst = p;
  }
  if (worst < 0) return null;
  const v = bindOf[worst]!;
  return {
    kind: 'lost',
    at: firstOwed[worst]!,
    expected: `send #${firstOwed[worst]} (port ${worst}, vcpu${v}) delivered once`,
    actual: `never delivered: ${reasonOf(m, v)}`,
  };
}

export function gateOf(r: Resume): Gate {
  const f = verdict(r);
  if (f === null) return { ok: true, checked: r.sends.length };
  return { ok: false, at: f.at, expected: f.expected, actual: f.actual };
}
