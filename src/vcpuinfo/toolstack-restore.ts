// toolstack-restore: Ian Campbell's point in the thread: the secondary vCPUs' state travels
// in the migration stream and the toolstack restores it, registrations included, before the
// domain is unpaused; the guest does nothing. No such stream record exists upstream
// (libxenguest tools/libs/guest/xg_sr_restore_x86_pv.c:handle_shared_info restores only the
// 32 shared_info slots, zeroes evtchn_pending and the selectors, and masks every port): this
// variant is the proposal, with the restore done through the same Xen mapping path
// (map_guest_area, one call per vCPU, the domain paused).
import type { RestoreStrategy } from './strategy.js';

export const strategy: RestoreStrategy = {
  name: 'toolstack-restore',
  placement: 'registered',
  guests: ['hvm', 'pv'],
  apState: 'running',
  quiesceIpisPerAp: 0,
  bspSelf: [],
  bspPerAp: [],
  clearAllFirst: false,
  apRegistersSelf: false,
  stopPlacingAfterFailure: false,
  toolstackRestores: true,
};
