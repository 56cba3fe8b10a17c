// The host's and the guest scheduler's actions, shared by the seeded loads (load.ts), the
// explorer model and the real-thread host (model.ts, threads/). `after` = reads completed
// (over all tasks) before the action may happen; 0 = any time (the explorer's cases).
export type OpKind =
  /** kvm_gen_update_masterclock(): base moved by arg ns (masterclock on) */
  | 'rebase'
  /** no masterclock: host clock drifted arg ns off pvclock, then a global clock update */
  | 'drift'
  /** KVM_REQ_CLOCK_UPDATE on every vCPU without moving the clock */
  | 'update'
  /** host clocksource change: masterclock (and STABLE) off / back on */
  | 'stable-off'
  | 'stable-on'
  /** the halted vCPU0 wakes and applies its pending update */
  | 'wake0'
  /** guest scheduler swaps the tasks of vCPU arg and vCPU arg+1 */
  | 'migrate'
  /** KVM_SET_CLOCK on the running VM: kvmclock moved by arg ns */
  | 'setclock'
  /** the guest's timekeeping update: gtod->cycle_last taken from the kernel's clock read */
  | 'tick'
  /** a TSC write on the last vCPU (offset arg cycles): vCPU TSCs no longer match, masterclock off */
  | 'unstable';

export interface Op {
  readonly op: OpKind;
  readonly after: number;
  readonly arg: number;
}

export const OP_KINDS: readonly OpKind[] = [
  'rebase',
  'drift',
  'update',
  'stable-off',
  'stable-on',
  'wake0',
  'migrate',
  'setclock',
  'tick',
  'unstable',
];
