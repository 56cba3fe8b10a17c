// freebsd-self: FreeBSD's HVM suspend (freebsd/freebsd-src sys/dev/xen/control/control.c:
// xctrl_suspend). Before suspending, suspend_cpus() sends IPI_SUSPEND to every AP, which
// parks in sys/x86/x86/mp_x86.c:cpususpend_handler (`while (!CPU_ISSET(cpu,
// &toresume_cpus)) ia32_pause();`, interrupts off). On resume the BSP clears every CPU's
// vcpu_info pointer (sys/x86/xen/hvm.c:xen_hvm_init, XEN_HVM_INIT_RESUME: "Clear stale
// vcpu_info") and registers its own (xen_hvm_resume → xen_hvm_cpu_init); resume_cpus()
// then releases the APs, and each calls cpu_ops.cpu_resume = xen_hvm_cpu_init and
// registers its own area (v == current: Xen's offline-only rule does not apply) before it
// leaves the handler. On failure xen_hvm_cpu_init falls back to the shared_info slot.
import type { RestoreStrategy } from './strategy.js';

export const strategy: RestoreStrategy = {
  name: 'freebsd-self',
  placement: 'registered',
  guests: ['hvm'],
  apState: 'parked',
  quiesceIpisPerAp: 1,
  bspSelf: ['register'],
  bspPerAp: [],
  clearAllFirst: true,
  apRegistersSelf: true,
  stopPlacingAfterFailure: false,
  toolstackRestores: false,
};
