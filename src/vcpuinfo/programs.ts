// One resume, as step programs: vCPU 0 (the BSP), every other vCPU, the toolstack when the
// strategy has it restore the areas, and the event source (Xen's EVTCHNOP_send from the
// backends). Each program is a generator; one `next()` is one atomic step. The gate drives
// them in seeded rounds (gate.ts), the explorer over every interleaving (findings.ts): the
// same code, so what the explorer proves is about what the gate runs.
import { AREA_NONE, AREA_REGISTERED, Machine, type MachineConfig } from './machine.js';
import type { BspStep, RestoreStrategy } from './strategy.js';

export interface Send {
  /** the gate's round from which the send may happen (the explorer gives every send round 0) */
  readonly round: number;
  readonly port: number;
}

export type Program = Generator<string, void, void>;

export class Resume {
  readonly m: Machine;
  readonly n: number;
  round = 0;
  /** stop_machine still holds the APs (Linux) */
  stopped: boolean;
  /** the APs FreeBSD's resume_cpus has released */
  readonly released: Uint8Array;
  domainRunning: boolean;
  bspDone = false;
  senderDone: boolean;
  toolstackDone: boolean;
  selfRegsPending: number;
  /** Linux's xen_have_vcpu_info_placement, cleared by the first failed registration */
  placementOff = false;
  private readonly wasUp: Uint8Array;
  private readonly failed: Uint8Array;
  /** critical path: causal depth in protocol steps per actor (vCPUs, then the toolstack); with and without domain_lock */
  readonly depth: Float64Array;
  readonly depthUnlocked: Float64Array;
  private releaseDepth = 0;
  private releaseDepthUnlocked = 0;
  ipis = 0;
  private finished = 0;
  readonly actors: number;
  /** set when the last program finishes: the final drain has run */
  over = false;

  constructor(
    readonly s: RestoreStrategy,
    cfg: MachineConfig,
    readonly sends: readonly Send[],
  ) {
    this.m = new Machine(cfg);
    const n = cfg.vcpus;
    this.n = n;
    const live = !cfg.cancelled;
    this.stopped = s.apState === 'stopped';
    this.released = new Uint8Array(n);
    this.domainRunning = !(s.toolstackRestores && live);
    this.senderDone = sends.length === 0;
    this.toolstackDone = !s.toolstackRestores;
    this.selfRegsPending = s.apRegistersSelf && live ? n - 1 : 0;
    this.wasUp = new Uint8Array(n);
    this.failed = new Uint8Array(n);
    this.depth = new Float64Array(n + 1);
    this.depthUnlocked = new Float64Array(n + 1);
    this.ipis = s.quiesceIpisPerAp * (n - 1);
    this.actors = n + 1 + (s.toolstackRestores ? 1 : 0);
  }

  /** actor i: 0..n-1 the vCPUs, n the event source, n+1 the toolstack */
  program(i: number): Program {
    if (i === 0) return this.bsp();
    if (i < this.n) return this.ap(i);
    if (i === this.n) return this.sender();
    return this.toolstack();
  }

  name(i: number): string {
    if (i < this.n) return `vcpu${i}`;
    return i === this.n ? 'xen-send' : 'toolstack';
  }

  criticalPath(): number {
    return Math.max(...this.depth);
  }

  criticalPathUnlocked(): number {
    return Math.max(...this.depthUnlocked);
  }

  private step(actor: number, locked: boolean): void {
    this.depthUnlocked[actor]! += 1;
    const d = Math.max(this.depth[actor]!, locked ? this.m.lockDepth : 0) + 1;
    this.depth[actor] = d;
    if (locked) this.m.lockDepth = d;
  }

  private wake(actor: number): void {
    this.depth[actor] = Math.max(this.depth[actor]!, this.releaseDepth);
    this.depthUnlocked[actor] = Math.max(this.depthUnlocked[actor]!, this.releaseDepthUnlocked);
  }

  private *bsp(): Program {
    const s = this.s;
    yield* this.waitDomain(0);
    if (!this.m.cfg.cancelled) {
      if (s.clearAllFirst) {
        for (let v = 0; v < this.n; v++) this.m.point(v, AREA_NONE, false);
        yield 'clear every vcpu_info pointer';
      }
      for (const st of s.bspSelf) yield* this.bspStep(0, st);
      for (let v = 1; v < this.n; v++) for (const st of s.bspPerAp) yield* this.bspStep(v, st);
    }
    if (s.apState !== 'running') {
      this.step(0, false);
      this.releaseDepth = this.depth[0]!;
      this.releaseDepthUnlocked = this.depthUnlocked[0]!;
      this.stopped = false;
      this.released.fill(1);
      yield s.apState === 'stopped' ? 'stop_machine ends' : 'resume_cpus';
    }
    this.bspDone = true;
    yield* this.run(0);
  }

  private *bspStep(t: number, st: BspStep): Program {
    const m = this.m;
    switch (st) {
      case 'is_up': {
        this.step(0, false);
        // Linux: is_up = HYPERVISOR_vcpu_op(VCPUOP_is_up, ...) > 0, so -ENOSYS reads as "not up"
        const rc = m.isUp(t);
        this.wasUp[t] = rc > 0 ? 1 : 0;
        yield `VCPUOP_is_up(${t}) = ${rc}`;
        return;
      }
      case 'down':
        if (t === 0 || this.wasUp[t] === 0) return;
        this.step(0, false);
        yield `VCPUOP_down(${t}) = ${m.vcpuDown(t)}`;
        return;
      case 'reset':
        m.point(t, m.legacyArea(t), false);
        yield `reset vcpu${t}'s pointer`;
        return;
      case 'register':
        yield* this.register(0, t);
        return;
      case 'up':
        if (t === 0 || this.wasUp[t] === 0 || this.failed[t] !== 0) return;
        this.step(0, false);
        yield `VCPUOP_up(${t}) = ${m.vcpuUp(t)}`;
        return;
    }
  }

  /** VCPUOP_register_vcpu_info by `actor` for `t`, then the guest points at the area */
  private *register(actor: number, t: number): Program {
    const m = this.m;
    if (this.placementOff) {
      m.point(t, m.legacyArea(t), false); // xen_vcpu_setup without placement: xen_vcpu_info_reset
      if (m.guestArea[t] === AREA_NONE) this.failed[t] = 1;
      yield `vcpu${t} on its shared_info slot (placement off)`;
      return;
    }
    this.step(actor, true);
    const rc = m.registerSwap(actor, t, 'copy-or-zero');
    if (rc !== 0) {
      if (this.s.stopPlacingAfterFailure) this.placementOff = true;
      m.point(t, m.legacyArea(t), false);
      if (m.guestArea[t] === AREA_NONE) this.failed[t] = 1;
      yield `register(${t}) = ${rc}, fall back to the shared_info slot`;
      return;
    }
    yield `register(${t}): Xen swaps its pointer`;
    m.registerMark(t);
    yield `register(${t}): all selector bits, upcall_pending`;
    m.point(t, AREA_REGISTERED, true);
    yield `vcpu${t}'s pointer → its area`;
  }

  private *ap(v: number): Program {
    yield* this.waitDomain(v);
    if (this.s.apState === 'stopped') {
      while (this.stopped) yield 'spin: in stop_machine';
      this.wake(v);
    } else if (this.s.apState === 'parked') {
      while (this.released[v] === 0) yield 'spin: parked in the suspend IPI handler';
      this.wake(v);
      if (this.selfRegsPending > 0) {
        yield* this.register(v, v);
        this.selfRegsPending--;
      }
    }
    yield* this.run(v);
  }

  private *waitDomain(v: number): Program {
    while (!this.domainRunning) yield 'spin: domain paused';
    if (v >= 0) this.depth[v] = Math.max(this.depth[v]!, this.depth[this.n]!);
  }

  /** guest code with interrupts on: take the callback vector whenever it is pending */
  private *run(v: number): Program {
    const m = this.m;
    for (;;) {
      if (m.interrupted(v) && m.runnable(v)) {
        if (m.upcall(v)) {
          yield 'upcall';
          continue;
        }
        // interrupted again and again through an area Xen does not write: nothing changes
        // until another vCPU moves a pointer
        if (this.quiet()) break;
        yield 'spin: upcall through a stale vcpu_info (Xen re-injects while upcall_pending is set)';
        continue;
      }
      if (this.quiet()) break;
      yield 'spin: idle';
    }
    this.finish();
  }

  private quiet(): boolean {
    return this.bspDone && this.senderDone && this.toolstackDone && this.selfRegsPending === 0;
  }

  private *sender(): Program {
    const sends = this.sends;
    let i = 0;
    while (i < sends.length) {
      const at = sends[i]!.round;
      while (this.round < at) yield 'spin: next round';
      const p = sends[i]!.port;
      this.m.send(p);
      i++;
      if (i === sends.length) this.senderDone = true;
      yield `send port ${p} (vcpu${this.m.cfg.bindOf[p]})`;
    }
    this.senderDone = true;
    this.finish();
  }

  private *toolstack(): Program {
    const m = this.m;
    const ts = this.n;
    if (!m.cfg.cancelled) {
      for (let v = 0; v < this.n; v++) {
        this.step(ts, true);
        if (m.registerSwap(-1, v, 'keep') === 0) {
          yield `restore vcpu${v}'s area`;
          m.registerMark(v);
        }
        yield `vcpu${v}: all selector bits, upcall_pending`;
      }
      this.step(ts, false);
    }
    this.domainRunning = true;
    for (let v = 0; v < this.n; v++) m.point(v, m.guestArea[v]!, !m.cfg.cancelled);
    this.toolstackDone = true;
    yield 'unpause the domain';
    this.finish();
  }

  private finish(): void {
    if (++this.finished < this.actors) return;
    // every program has returned: the vCPUs that can still run take what is pending
    const m = this.m;
    for (let v = 0; v < this.n; v++) {
      for (let k = 0; m.interrupted(v) && m.runnable(v) && k < 4; k++) m.upcall(v);
    }
    this.over = true;
  }
}
