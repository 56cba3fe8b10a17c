// shared-info: every vCPU's vcpu_info stays in shared_info->vcpu_info[v]
// (xen/include/public/xen.h); the new host points each vCPU at its slot when the domain is
// built (xen/common/domain.c:vcpu_info_reset), so nothing is re-registered after a
// migration. The slots stop at XEN_LEGACY_MAX_VCPUS = 32 on x86: a vCPU beyond has no
// vcpu_info at all (Xen points it at dummy_vcpu_info), which is the capacity limit.
import type { RestoreStrategy } from './strategy.js';

export const strategy: RestoreStrategy = {
  name: 'shared-info',
  placement: 'shared-info',
  guests: ['hvm', 'pv'],
  apState: 'running',
  quiesceIpisPerAp: 0,
  bspSelf: [],
  bspPerAp: [],
  clearAllFirst: false,
  apRegistersSelf: false,
  stopPlacingAfterFailure: false,
  toolstackRestores: false,
};
