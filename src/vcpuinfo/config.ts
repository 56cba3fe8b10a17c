// The vocabulary of the vcpuinfo machine (machine.ts): where a vcpu_info can be, where its
// time came from, the host's rules for the VCPUOP_* hypercalls, and one machine's shape.

export const AREA_NONE = 0; // guest: NULL pointer; Xen: dummy_vcpu_info
export const AREA_SHARED = 1; // shared_info->vcpu_info[v]
export const AREA_REGISTERED = 2; // the area the guest registered
export const TIME_ZERO = 0; // memset by map_vcpu_info (the old pointer was dummy_vcpu_info)
export const TIME_SOURCE = 1; // the source host's last vcpu_time_info
export const TIME_TARGET = 2; // written by this host

export const ENOSYS = -38;
export const EINVAL = -22;
export const EBUSY = -16;

/** How the host treats VCPUOP_register_vcpu_info for another vCPU, and whether HVM may use VCPUOP_is_up/down/up. */
export interface HostRules {
  /** map_guest_area (Xen >= 4.18) pauses a remote target; map_vcpu_info (older) refuses it unless it is
   *  down; 'allow' is the 2014 proposal as the thread put it: a running target, neither refused nor paused */
  readonly remote: 'pause' | 'refuse-running' | 'allow';
  /** VCPUOP_is_up/down/up allowed (HVM: only since xen commit 192df6f9122d, Dec 2015; before, hvm_vcpu_op said -ENOSYS) */
  readonly vcpuOps: boolean;
}

export interface MachineConfig {
  readonly vcpus: number;
  /** XEN_LEGACY_MAX_VCPUS (the explorer scales it down to keep its vCPUs few) */
  readonly legacyMax: number;
  /** port → vCPU it is bound to; index 0 unused */
  readonly bindOf: Int32Array;
  readonly host: HostRules;
  readonly placement: 'shared-info' | 'registered';
  /** force_update_vcpu_system_time() at registration (xen commit b67f09721f13, Xen 4.16) */
  readonly forceTime: boolean;
  /** vCPU whose area is not a writable page (-EINVAL from get_page_type), or -1 */
  readonly failVcpu: number;
  /** the suspend was cancelled: same host, registrations kept */
  readonly cancelled: boolean;
  /**
   * How Xen interrupts the vCPU for its events. 'level': the HVM global callback vector
   * (xen/arch/x86/hvm/irq.c:hvm_vcpu_has_pending_irq injects it at every VM entry while
   * vcpu_info(v, evtchn_upcall_pending) is set; a PV guest gets its upcall on every return
   * while it is set, likewise). 'edge': the per-vCPU LAPIC vector of
   * HVMOP_set_evtchn_upcall_vector (hvm_assert_evtchn_irq → vlapic_set_irq, only on the 0→1
   * edge of upcall_pending in vcpu_mark_events_pending).
   */
  readonly injection: 'level' | 'edge';
  /** bits per event word (default 64, a 64-bit guest); the explorer's two-vCPU model uses 32 to stay small */
  readonly wordBits?: 32 | 64;
}
