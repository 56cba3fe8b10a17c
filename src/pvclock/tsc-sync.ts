// KVM's TSC matching: which vCPUs share a TSC offset, and so whether the masterclock may run
// (torvalds/linux arch/x86/kvm/x86.c). Every host-initiated TSC write goes through
// kvm_synchronize_tsc() (kvm_write_tsc() before 5.x); vCPU creation is one, with the value 0
// (kvm_arch_vcpu_postcreate). A write "that looks like an attempt to synchronize" joins the
// current TSC generation and takes its offset (cur_tsc_offset, on a stable host TSC); any other
// starts a new generation with nr_vcpus_matched_tsc = 0 (__kvm_synchronize_tsc). The
// masterclock needs nr_vcpus_matched_tsc + 1 == online_vcpus (kvm_track_tsc_matching,
// pvclock_update_vm_gtod_copy's vcpus_matched) and a TSC host clocksource (always, here).
//
// Which writes synchronize changed across versions; two rules are modelled:
//  - 'window' (Linux 3.8-4.12, kvm_write_tsc): usdiff = (data - last_tsc_write) in µs of the
//    vCPU's virtual_tsc_khz, minus the ns elapsed since the last write, in µs; it matches when
//    |usdiff| < USEC_PER_SEC and virtual_tsc_khz == last_tsc_khz. A vCPU hot-plugged more than
//    a second after the last write writes 0 far from the extrapolated value: a new generation.
//  - 'zero-syncs' (4.13-6.6, after "KVM: x86: fix maintaining of kvm_clock stability on guest
//    CPU hotplug"): data == 0 always synchronizes (vCPU creation, hotplug); any other value
//    matches inside the same 1-second window around last_tsc_write + nsec_to_cycles(elapsed).
//    6.7's user_set_tsc (the window only once userspace has written a TSC) is not modelled: it
//    changes only where a first restored value lands near the creation values.
// KVM_VCPU_TSC_OFFSET (5.16+, kvm_arch_tsc_set_attr) matches only an offset equal to the last
// one written at the same virtual_tsc_khz: the case's `offset`, applied after creation.
// The last write and the current generation are tracked VM-wide (last_tsc_*, cur_tsc_*), so
// the window is extended at each write. Times in ns since the VM was created; TSCs in cycles
// of the nominal host TSC, which counts from 0 at creation here.

export type TscSyncRule = 'window' | 'zero-syncs';

const USEC_PER_SEC = 1e6;

export class KvmTscSync {
  /** vcpu->arch.l1_tsc_offset (cycles): guest TSC = host TSC + offset (rate aside) */
  readonly offset: Float64Array;
  /** vcpu->arch.this_tsc_generation; -1 before the vCPU's first write */
  readonly generation: Float64Array;
  /** vcpu->arch.virtual_tsc_khz */
  readonly khz: Float64Array;
  cur_tsc_generation = 0;
  cur_tsc_offset = 0;
  nr_vcpus_matched_tsc = 0;
  online_vcpus = 0;
  last_tsc_nsec = 0;
  last_tsc_write = 0;
  last_tsc_khz = 0;
  last_tsc_offset = 0;
  /** the first vCPU's creation offset: the model's TSC offsets are relative to it */
  origin = 0;

  constructor(
    nrVcpus: number,
    readonly rule: TscSyncRule,
    /** cycles per ns of the host TSC */
    readonly hostCyclesPerNs: number,
  ) {
    this.offset = new Float64Array(nrVcpus);
    this.generation = new Float64Array(nrVcpus).fill(-1);
    this.khz = new Float64Array(nrVcpus);
  }

  /** kvm_vm_ioctl_create_vcpu: online_vcpus++, then kvm_arch_vcpu_postcreate writes TSC 0 */
  create(cpu: number, atNs: number, khz: number): void {
    this.khz[cpu] = khz;
    this.online_vcpus++;
    this.synchronize(cpu, atNs, 0);
  }

  /** kvm_synchronize_tsc() (kvm_write_tsc()): a host-initiated write of `data` to vCPU `cpu`'s TSC */
  synchronize(cpu: number, atNs: number, data: number): boolean {
    const khz = this.khz[cpu]!;
    const hostTsc = atNs * this.hostCyclesPerNs;
    let offset = data - hostTsc; // kvm_compute_l1_tsc_offset
    const elapsed = atNs - this.last_tsc_nsec;
    let synchronizing: boolean;
    if (this.rule === 'window') {
      // signed: usdiff = (data - last_tsc_write) * 1000 / virtual_tsc_khz - elapsed / 1000
      const usdiff = Math.trunc(((data - this.last_tsc_write) * 1000) / khz) - Math.trunc(elapsed / 1000);
      synchronizing = Math.abs(usdiff) < USEC_PER_SEC;
    } else if (data === 0) {
      synchronizing = true;
    } else {
      const tscExp = this.last_tsc_write + (elapsed * khz) / 1e6; // nsec_to_cycles(vcpu, elapsed)
      const tscHz = khz * 1000;
      synchronizing = data < tscExp + tscHz && data + tscHz > tscExp;
    }
    const matched = synchronizing && khz === this.last_tsc_khz;
    if (matched) offset = this.cur_tsc_offset; // a stable host TSC: the generation's own offset
    this.commit(cpu, atNs, offset, data, matched);
    return matched;
  }

  /** kvm_arch_tsc_set_attr(KVM_VCPU_TSC_OFFSET): matched only on the very offset written last */
  setOffset(cpu: number, atNs: number, offset: number): boolean {
    const matched = this.khz[cpu] === this.last_tsc_khz && offset === this.last_tsc_offset;
    this.commit(cpu, atNs, offset, atNs * this.hostCyclesPerNs + offset, matched);
    return matched;
  }

  /** a write KVM does not match (the `unstable` load's): a new generation with this offset */
  unmatchedWrite(cpu: number, atNs: number, offset: number): void {
    this.commit(cpu, atNs, offset, atNs * this.hostCyclesPerNs + offset, false);
  }

  /** __kvm_synchronize_tsc() */
  private commit(cpu: number, atNs: number, offset: number, data: number, matched: boolean): void {
    this.last_tsc_nsec = atNs;
    this.last_tsc_write = data;
    this.last_tsc_khz = this.khz[cpu]!;
    this.last_tsc_offset = offset;
    this.offset[cpu] = offset;
    if (!matched) {
      this.cur_tsc_generation++;
      this.cur_tsc_offset = offset;
      this.nr_vcpus_matched_tsc = 0;
    } else if (this.generation[cpu] !== this.cur_tsc_generation) {
      this.nr_vcpus_matched_tsc++;
    }
    this.generation[cpu] = this.cur_tsc_generation;
  }

  /** kvm_track_tsc_matching / pvclock_update_vm_gtod_copy: vcpus_matched */
  vcpusMatched(): boolean {
    return this.nr_vcpus_matched_tsc + 1 === this.online_vcpus;
  }

  /** vCPUs whose TSC is in the current generation */
  inCurrentGeneration(): number {
    let n = 0;
    for (let k = 0; k < this.generation.length; k++) if (this.generation[k] === this.cur_tsc_generation) n++;
    return n;
  }
}

export interface TscSetup {
  readonly vcpus: number;
  readonly rule: TscSyncRule;
  /** cycles per ns of the nominal TSC */
  readonly cyclesPerNs: number;
  /** ns after the VM's creation at which each vCPU is created (its TSC write of 0); default all 0 */
  readonly createdAtNs?: readonly number[];
  /** KVM_VCPU_TSC_OFFSET per vCPU, cycles relative to the first creation offset; all 0 = not set */
  readonly offset?: readonly number[];
  /** per-vCPU rate error (ppb): a vCPU whose rate differs has another virtual_tsc_khz */
  readonly driftPpb?: readonly number[];
}

/**
 * The VM's TSC writes in time order (creation, vCPU order for equal times), then the offsets
 * userspace sets, if any, when the last vCPU is up. The model's VM boots then.
 */
export function syncVcpuTscs(s: TscSetup): KvmTscSync {
  const sync = new KvmTscSync(s.vcpus, s.rule, s.cyclesPerNs);
  const at = (k: number): number => s.createdAtNs?.[k] ?? 0;
  const order = Array.from({ length: s.vcpus }, (_, k) => k).sort((a, b) => at(a) - at(b) || a - b);
  const nominalKhz = s.cyclesPerNs * 1e6;
  for (const k of order) {
    sync.create(k, at(k), nominalKhz * (1 + (s.driftPpb?.[k] ?? 0) / 1e9));
    if (sync.online_vcpus === 1) sync.origin = sync.offset[k]!;
  }
  const last = at(order[order.length - 1]!);
  if (s.offset?.some((o) => o !== 0) === true) {
    for (let k = 0; k < s.vcpus; k++) sync.setOffset(k, last, sync.origin + s.offset[k]!);
  }
  return sync;
}
