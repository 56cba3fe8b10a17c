// remote-register: the BSP registers every vCPU's area while the other vCPUs keep running,
// as the 2014 thread proposed Xen should allow. Upstream Xen allows it since commit
// 295514ff7550 ("common: convert vCPU info area registration", Oct 2023, Xen 4.18):
// xen/common/domain.c:map_guest_area pauses a remote target (vcpu_pause) around the
// pointer swap instead of demanding _VPF_down. The guest side is Linux's loop without the
// down/up (xen_vcpu_info_reset, register, point the per-CPU xen_vcpu at the area), with
// the APs not stopped: they take event upcalls through whatever their pointer says.
import type { RestoreStrategy } from './strategy.js';

export const strategy: RestoreStrategy = {
  name: 'remote-register',
  placement: 'registered',
  guests: ['hvm', 'pv'],
  apState: 'running',
  quiesceIpisPerAp: 0,
  bspSelf: ['reset', 'register'],
  bspPerAp: ['reset', 'register'],
  clearAllFirst: false,
  apRegistersSelf: false,
  stopPlacingAfterFailure: true,
  toolstackRestores: false,
};
