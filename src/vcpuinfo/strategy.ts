// What every variant file of the vcpuinfo suite exports: a guest's strategy for getting every
// vCPU's vcpu_info back after a migration, written as data (who does which hypercall, in
// which state the other vCPUs wait), never as code that the suite would have to switch on.
// The one executor (programs.ts) turns a strategy into step programs for the gate, the
// counters and the interleaving explorer alike.

/** Where a vCPU's vcpu_info lives (xen/include/public/xen.h, struct shared_info / vcpu_info). */
export type Placement =
  /** shared_info->vcpu_info[v]: XEN_LEGACY_MAX_VCPUS (32 on x86) slots, nothing to register */
  | 'shared-info'
  /** a per-vCPU area in guest memory, placed with VCPUOP_register_vcpu_info */
  | 'registered';

/** The state the other vCPUs (the APs) are kept in while the areas are re-registered. */
export type ApState =
  /** Linux drivers/xen/manage.c:do_suspend → stop_machine(): every CPU spins with interrupts off until the BSP is done */
  | 'stopped'
  /** FreeBSD sys/x86/x86/mp_x86.c:cpususpend_handler: parked in the IPI_SUSPEND handler, interrupts off, until released */
  | 'parked'
  /** nothing stops them: they run guest code and take event upcalls throughout */
  | 'running';

/** One hypercall the BSP makes for another vCPU, in Linux's order (arch/x86/xen/enlighten.c:xen_vcpu_restore). */
export type BspStep =
  | 'is_up' // VCPUOP_is_up
  | 'down' // VCPUOP_down, only if is_up said it is up
  | 'reset' // the guest's per-CPU pointer back to the shared_info slot, or NULL (xen_vcpu_info_reset)
  | 'register' // VCPUOP_register_vcpu_info for the target, then the guest points at the area on success
  | 'up'; // VCPUOP_up, only if it was taken down and its registration succeeded

export interface RestoreStrategy {
  /** the variant's name, as its messages say it */
  readonly name: string;
  readonly placement: Placement;
  /** guest kinds the strategy exists for ('hvm': PVHVM/PVH; 'pv': classic PV) */
  readonly guests: readonly ('hvm' | 'pv')[];
  /** how the vCPUs other than vCPU 0 wait while vCPU 0 restores */
  readonly apState: ApState;
  /** guest IPIs that put the APs in that state, per AP (stop_machine wakes each CPU's stopper; FreeBSD sends IPI_SUSPEND) */
  readonly quiesceIpisPerAp: number;
  /** the BSP's steps for itself (vCPU 0), before the others */
  readonly bspSelf: readonly BspStep[];
  /** the BSP's steps for each other vCPU, one vCPU after the other */
  readonly bspPerAp: readonly BspStep[];
  /** the BSP clears every vCPU's pointer before it starts (FreeBSD xen_hvm_init: "Clear stale vcpu_info") */
  readonly clearAllFirst: boolean;
  /** each AP registers its own area when released, before it leaves the handler (FreeBSD cpu_ops.cpu_resume) */
  readonly apRegistersSelf: boolean;
  /** after one registration fails, stop placing areas for the vCPUs that follow (Linux xen_have_vcpu_info_placement = 0) */
  readonly stopPlacingAfterFailure: boolean;
  /** the migration stream carries every vCPU's registration and the toolstack restores it before the domain runs */
  readonly toolstackRestores: boolean;
}

/** x86: xen/include/public/arch-x86/xen.h */
export const XEN_LEGACY_MAX_VCPUS = 32;
/** sizeof(struct vcpu_info) on x86 (xen/include/public/xen.h) */
export const VCPU_INFO_BYTES = 64;
/** xen/include/public/hvm/hvm_info_table.h; xen/arch/x86/domain.c caps an HVM domain's max_vcpus at it */
export const HVM_MAX_VCPUS = 128;
/** xen/arch/x86/include/asm/config.h: MAX_VIRT_CPUS for a PV domain (GDT_LDT_MBYTES << (20 - GDT_LDT_VCPU_VA_SHIFT)) */
export const PV_MAX_VIRT_CPUS = 8192;

/** vCPUs a strategy can run for a guest kind; the case beyond it is a capacity row. */
export function capacityOf(s: RestoreStrategy, guest: 'hvm' | 'pv'): number {
  if (s.placement === 'shared-info') return XEN_LEGACY_MAX_VCPUS;
  return guest === 'hvm' ? HVM_MAX_VCPUS : PV_MAX_VIRT_CPUS;
}

export function strategyOf(module: unknown): RestoreStrategy {
  const s = (module as { strategy?: RestoreStrategy }).strategy;
  if (s === undefined || typeof s.name !== 'string' || !Array.isArray(s.bspPerAp)) {
    throw new Error('vcpuinfo variant module must export `strategy: RestoreStrategy`');
  }
  return s;
}
