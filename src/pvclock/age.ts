// The age of the pvti a reading used, and what that age costs when the TSC runs off the rate
// KVM advertised. A reader computes system_time + pvclock_scale_delta(tsc - tsc_timestamp)
// (Linux arch/x86/include/asm/pvclock.h:__pvclock_read_cycles, via
// arch/x86/kernel/pvclock.c:pvclock_clocksource_read or the vDSO), with the tsc_to_system_mul
// and tsc_shift KVM derived from the vCPU's nominal TSC frequency
// (arch/x86/kvm/x86.c:kvm_guest_time_update, kvm_get_time_scale). The host's own clock has
// meanwhile moved by the host time since tsc_timestamp was sampled. On a TSC whose rate is off
// by d the two part by d per ns of the pvti's age; the next kvm_guest_time_update() resamples
// and the reader's clock jumps by that amount, back for a fast TSC. The gate's reference is the
// exact conversion of the body the reader saw (what the real code returns); this is the other
// half of the judgement: how far that value is from the clock the host meant to publish.
import type { Vm } from './vm.js';

export interface AgeStats {
  /** the oldest pvti a read converted: ns of guest TSC since its tsc_timestamp (nominal scale) */
  pvtiAge: number;
  /** the largest |reading - the host's clock run on from the same (tsc_timestamp, system_time)| */
  ageError: number;
  /** the pvti age at which ageError was seen (ns) */
  ageErrorAt: number;
}

export function newAgeStats(): AgeStats {
  return { pvtiAge: 0, ageError: 0, ageErrorAt: 0 };
}

/**
 * One reading: `value` was converted from vCPU `pvtiCpu`'s body (tsc_timestamp, system_time) at
 * TSC `tsc` read on vCPU `tscCpu`. A TSC below tsc_timestamp (a reader mixing vCPUs whose TSCs
 * differ) has no age: the u64 wrap is the explorer's finding, not a drift.
 */
export function judgeAge(
  a: AgeStats,
  vm: Vm,
  tscCpu: number,
  tsc: number,
  pvtiCpu: number,
  tsc_timestamp: number,
  system_time: number,
  value: number,
): void {
  if (tsc < tsc_timestamp) return;
  const age = vm.host.convert(tsc, tsc_timestamp, 0);
  if (age > a.pvtiAge) a.pvtiAge = age;
  const hostNow = vm.tsc.hostTscOf(tscCpu, tsc);
  const hostThen = vm.tsc.hostTscOf(pvtiCpu, tsc_timestamp);
  if (hostNow < hostThen) return;
  const hostClock = vm.host.convert(hostNow, hostThen, system_time);
  const err = Math.abs(value - hostClock);
  if (err > a.ageError) {
    a.ageError = err;
    a.ageErrorAt = age;
  }
}
