// A simulated TSC shared by every thread. Each rdtsc advances one shared counter atomically
// (Atomics.add, a `lock xadd`), so reads are totally ordered and strictly increasing: an
// invariant TSC that is perfectly synchronised across vCPUs, which is the assumption behind
// PVCLOCK_TSC_STABLE_BIT ("monotonicity is then guaranteed by synchronicity of the host TSCs
// and guest TSCs", Tosatti, commit d828199e8444). Time in this model is the TSC: warps then
// come only from the pvti, never from a clock that differs between threads. Unsynced hosts are
// a parameter: per-vCPU offset (cycles) and drift (parts per billion) applied on top.
//
// Layout of the control lanes (an Int32Array that may live in a SharedArrayBuffer):
// [0] ticks since start (u32). The TSC value is base + ticks * cyclesPerTick.

export const TSC_LANES = 1;

export interface TscParams {
  /** TSC at tick 0 (cycles) */
  readonly base: number;
  /** cycles that pass per rdtsc: the cost of one read in TSC time */
  readonly cyclesPerTick: number;
  /** per-vCPU offset in cycles (unsynced TSC); empty = all zero */
  readonly offset?: readonly number[];
  /** per-vCPU drift in parts per billion (non-invariant TSC); empty = all zero */
  readonly driftPpb?: readonly number[];
}

export class SimTsc {
  private readonly offset: Float64Array;
  private readonly rate: Float64Array;
  private synced: boolean;
  readonly base: number;
  readonly cyclesPerTick: number;

  constructor(
    readonly ctl: Int32Array,
    nrVcpus: number,
    params: TscParams,
  ) {
    this.base = params.base;
    this.cyclesPerTick = params.cyclesPerTick;
    this.offset = new Float64Array(nrVcpus);
    this.rate = new Float64Array(nrVcpus).fill(1);
    let synced = true;
    for (let i = 0; i < nrVcpus; i++) {
      const o = params.offset?.[i] ?? 0;
      const d = params.driftPpb?.[i] ?? 0;
      this.offset[i] = o;
      this.rate[i] = 1 + d / 1e9;
      if (o !== 0 || d !== 0) synced = false;
    }
    this.synced = synced;
  }

  /** a guest TSC write on vCPU `cpu` (KVM_SET_TSC / MSR_IA32_TSC): its offset moves; TSCs unsynced */
  setOffset(cpu: number, cycles: number): void {
    this.offset[cpu] = cycles;
    this.synced = false;
  }

  /** the host's own TSC read (advances shared time by one tick) */
  rdtscHost(): number {
    return this.base + (Atomics.add(this.ctl, 0, 1) >>> 0) * this.cyclesPerTick;
  }

  /** the host TSC now, without advancing it (bookkeeping, not a read anyone pays for) */
  peekHost(): number {
    return this.base + (Atomics.load(this.ctl, 0) >>> 0) * this.cyclesPerTick;
  }

  /** what vCPU `cpu` reads at host TSC `t` (kvm_read_l1_tsc: scaled and offset per vCPU) */
  guestTsc(cpu: number, t: number): number {
    if (this.synced) return t;
    return Math.floor(t * this.rate[cpu]!) + this.offset[cpu]!;
  }

  /**
   * The host TSC at which vCPU `cpu` reads `guest` (guestTsc inverted, to the nearest cycle):
   * lets the gate measure a pvti's age in host time, i.e. what the host's clock did meanwhile.
   * Bookkeeping for the checks only, never on a reader's path.
   */
  hostTscOf(cpu: number, guest: number): number {
    if (this.synced) return guest;
    return Math.round((guest - this.offset[cpu]!) / this.rate[cpu]!);
  }

  /** rdtsc_ordered() on vCPU `cpu` */
  rdtsc(cpu: number): number {
    const t = this.base + (Atomics.add(this.ctl, 0, 1) >>> 0) * this.cyclesPerTick;
    if (this.synced) return t;
    return Math.floor(t * this.rate[cpu]!) + this.offset[cpu]!;
  }
}
