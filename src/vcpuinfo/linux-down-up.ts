// linux-down-up: Linux's restore, torvalds/linux arch/x86/xen/enlighten.c:xen_vcpu_restore,
// run by the BSP from xen_hvm_post_suspend (arch/x86/xen/suspend_hvm.c) inside the
// stop_machine() of drivers/xen/manage.c:do_suspend. For every possible CPU in turn:
// VCPUOP_is_up; if it is another CPU and up, VCPUOP_down (Xen's map_vcpu_info refuses a
// running remote vCPU); xen_vcpu_setup_restore (xen_vcpu_info_reset, then
// VCPUOP_register_vcpu_info); VCPUOP_up only if the registration succeeded (else "System
// will hang"). A failed registration turns placement off for the CPUs that follow
// (xen_have_vcpu_info_placement = 0 in xen_vcpu_setup).
import type { RestoreStrategy } from './strategy.js';

export const strategy: RestoreStrategy = {
  name: 'linux-down-up',
  placement: 'registered',
  guests: ['hvm', 'pv'],
  apState: 'stopped',
  quiesceIpisPerAp: 1,
  bspSelf: ['is_up', 'reset', 'register'],
  bspPerAp: ['is_up', 'down', 'reset', 'register', 'up'],
  clearAllFirst: false,
  apRegistersSelf: false,
  stopPlacingAfterFailure: true,
  toolstackRestores: false,
};
