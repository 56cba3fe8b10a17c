// One simulated VM: the pvti area, the shared TSC, the host's control lanes and clock state,
// all in buffers that can be handed to worker threads (SharedArrayBuffer) or kept private to
// one thread (ArrayBuffer, for the explorer and the gate, which replay from scratch).
import { PvtiArea, PVTI_STRIDE } from './pvti.js';
import { SimTsc, TSC_LANES } from './tsc.js';
import { KvmHost, MASTER_LANES, ctlLanes } from './host.js';
import { kvmGetTimeScale } from './scale.js';
import { syncVcpuTscs, type KvmTscSync, type TscSyncRule } from './tsc-sync.js';

export interface VmParams {
  readonly vcpus: number;
  /** nominal TSC frequency; mul/shift come from kvm_get_time_scale(NSEC_PER_SEC, tsc_khz*1000) */
  readonly tscKhz: number;
  /** TSC cycles that pass per rdtsc (the model's unit of time) */
  readonly cyclesPerTick: number;
  readonly masterclock: boolean;
  readonly torn: boolean;
  readonly stableWithoutMasterclock?: boolean;
  readonly ignoreTscMatching?: boolean;
  readonly tscOffset?: readonly number[];
  readonly tscDriftPpb?: readonly number[];
  /** which TSC writes KVM matches (tsc-sync.ts); default 'zero-syncs' (4.13+) */
  readonly tscRule?: TscSyncRule;
  /** ns after the VM's creation at which each vCPU was created (its TSC write); default all 0 */
  readonly tscCreatedAtNs?: readonly number[];
}

export const DEFAULT_TSC_KHZ = 2_500_000;
export const DEFAULT_CYCLES_PER_TICK = 25; // 10 ns per read at 2.5 GHz
const BOOT_TSC = 1e12; // ~400 s of uptime: the u64 fields use both lanes
const BOOT_NS = 4e11;

export interface VmBuffers {
  readonly pvti: SharedArrayBuffer | ArrayBuffer;
  readonly tsc: SharedArrayBuffer | ArrayBuffer;
  readonly ctl: SharedArrayBuffer | ArrayBuffer;
  readonly clock: SharedArrayBuffer | ArrayBuffer;
}

export interface Vm {
  readonly params: VmParams;
  readonly buffers: VmBuffers;
  readonly area: PvtiArea;
  readonly tsc: SimTsc;
  readonly ctl: Int32Array;
  readonly clock: Float64Array;
  readonly host: KvmHost;
  /** KVM's TSC generations after the vCPUs' TSC writes */
  readonly sync: KvmTscSync;
}

export function createVm(params: VmParams, shared: boolean): Vm {
  const B = shared ? SharedArrayBuffer : ArrayBuffer;
  const buffers: VmBuffers = {
    pvti: new B(params.vcpus * PVTI_STRIDE),
    tsc: new B(4 * TSC_LANES),
    ctl: new B(4 * ctlLanes(params.vcpus)),
    clock: new B(8 * MASTER_LANES),
  };
  const vm = attachVm(buffers, params);
  vm.host.boot(BOOT_NS, params.masterclock);
  return vm;
}

/** the views over existing buffers (a worker thread's side); does not boot */
export function attachVm(buffers: VmBuffers, params: VmParams): Vm {
  const area = new PvtiArea(params.vcpus, buffers.pvti);
  const tscCtl = new Int32Array(buffers.tsc);
  // the offsets come out of KVM's matching of the vCPUs' TSC writes (relative to vCPU0's), the
  // masterclock's vcpus_matched with them; a worker thread replays the same writes. Relative to
  // the first vCPU's creation offset, so that a VM without writes after creation has 0
  const sync = syncVcpuTscs({
    vcpus: params.vcpus,
    rule: params.tscRule ?? 'zero-syncs',
    cyclesPerNs: params.tscKhz / 1e6,
    createdAtNs: params.tscCreatedAtNs ?? [],
    offset: params.tscOffset ?? [],
    driftPpb: params.tscDriftPpb ?? [],
  });
  const offset = Array.from(sync.offset, (o) => o - sync.origin);
  const tsc = new SimTsc(tscCtl, params.vcpus, {
    base: BOOT_TSC,
    cyclesPerTick: params.cyclesPerTick,
    offset,
    driftPpb: params.tscDriftPpb ?? [],
  });
  const ctl = new Int32Array(buffers.ctl);
  const clock = new Float64Array(buffers.clock);
  const scale = kvmGetTimeScale(1e9, params.tscKhz * 1000);
  const host = new KvmHost(area, tsc, sync, ctl, clock, {
    tsc_to_system_mul: scale.tsc_to_system_mul,
    tsc_shift: scale.tsc_shift,
    torn: params.torn,
    stableWithoutMasterclock: params.stableWithoutMasterclock ?? false,
    ignoreTscMatching: params.ignoreTscMatching ?? false,
  });
  return { params, buffers, area, tsc, ctl, clock, host, sync };
}
