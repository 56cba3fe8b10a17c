// A pvclock case's parameters, parsed once into a typed case. Every other file of the suite
// (load, gate, explorer, real threads, timed body) takes a PvclockCase, so a default or a
// spelling lives here and nowhere else. A bad value is an error that names the parameter and
// the values that would be right.
import type { Params } from '../harness/kit.js';
import { DEFAULT_TSC_KHZ } from './vm.js';
import { syncVcpuTscs, type TscSyncRule } from './tsc-sync.js';

/** ka->use_master_clock on (PVCLOCK_TSC_STABLE_BIT follows it) or off (per-vCPU samples) */
export type Scheme = 'master' | 'nomaster';
export const SCHEMES: readonly Scheme[] = ['master', 'nomaster'];

export type LoadKind =
  | 'readers'
  | 'periodic'
  | 'rebase'
  | 'migrate'
  | 'halt0'
  | 'stable'
  | 'revert'
  | 'setclock'
  /** the masterclock turns off (a TSC write on the last vCPU) while vCPU0 is halted */
  | 'unstable'
  /** rebases while vCPU0 runs no reader and is late to re-enter (not halted) */
  | 'late0';
export const LOAD_KINDS: readonly LoadKind[] = [
  'readers',
  'periodic',
  'rebase',
  'migrate',
  'halt0',
  'stable',
  'revert',
  'setclock',
  'unstable',
  'late0',
];

/**
 * The KVM host's generation, where it changes what a guest can see (arch/x86/kvm/x86.c):
 *  - '4.0': kvm_guest_time_update() bumps `hv_clock.version += 2` and writes the whole pvti
 *    with one kvm_write_guest_cached(), a weakly ordered copy (fixed in 4.1 by "kvm: x86: fix
 *    kvmclock update protocol": odd version, body, even version as separate stores);
 *  - '4.9': the three-store protocol, and KVM_SET_CLOCK moves kvmclock_offset after its
 *    masterclock update, then requests KVM_REQ_CLOCK_UPDATE on every vCPU without blocking
 *    entries (4.9 to 5.15);
 *  - '5.16': KVM_SET_CLOCK inside kvm_start_pvclock_update()/kvm_end_pvclock_update(), entries
 *    blocked, like a masterclock rebase (the default: today's KVM).
 */
export type HostGen = '4.0' | '4.9' | '5.16';
export const HOST_GENS: readonly HostGen[] = ['4.0', '4.9', '5.16'];

export interface PvclockCase {
  readonly scheme: Scheme;
  /** vCPUs in the VM */
  readonly vcpus: number;
  readonly load: LoadKind;
  /** ns the host clock moves per event (masterclock rebase, or drift without it) */
  readonly delta: number;
  /** host events per 1000 reads */
  readonly rate: number;
  /** the explorer's exhaustive budget (interleavings) */
  readonly explore: number;
  readonly host: HostGen;
  /** reads between two timekeeping updates (gtod->cycle_last for the vDSO clamp); 0 = none */
  readonly tick: number;
  /** the explorer's preemption bound (CHESS-style context-switch bound) */
  readonly bound: number;
  /** also explore the 2015 thread's picture of the host (pvti rewritten while guests run) */
  readonly hostwrite: boolean;
  /** Tosatti's remedy: a masterclock-off transition updates vCPU0 before entries are allowed */
  readonly force0: boolean;
  /** ns since the pvti were last written when the explorer's reads start (the masterclock's age) */
  readonly age: number;
  /**
   * per-vCPU TSC offset in cycles (`offset`: ns, or cycles with a `c` suffix, one value per
   * vCPU separated by `:`, the last repeated for the remaining vCPUs); all zero by default
   */
  readonly offset: readonly number[];
  /** per-vCPU TSC drift in parts per billion (`drift`: ppm, the same per-vCPU pattern) */
  readonly driftPpb: readonly number[];
  /** timekeeping updates the explorer places anywhere among its reads (the gate's are `tick`) */
  readonly xticks: number;
  /**
   * ns after the VM's creation at which each vCPU was created, i.e. made its TSC write of 0
   * (`tscwrite`: ms, the per-vCPU pattern; `tscwrite=0:5000` hot-plugs vCPU1 5 s later)
   */
  readonly createdAtNs: readonly number[];
}

/** reads over all tasks in the gate's interleaving */
export const GATE_READS = 1200;

function oneOf<T extends string>(params: Params, key: string, valid: readonly T[], dflt: T): T {
  const v = params[key];
  if (v === undefined) return dflt;
  const s = String(v);
  if (!(valid as readonly string[]).includes(s))
    throw new Error(`pvclock: ${key}=${s} is not valid (one of ${valid.join(', ')})`);
  return s as T;
}

function numberOf(params: Params, key: string, dflt: number, min: number, integer: boolean): number {
  const v = params[key];
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isFinite(n) || n < min || (integer && !Number.isInteger(n)))
    throw new Error(`pvclock: ${key}=${String(v)} is not valid (${integer ? 'an integer' : 'a number'} >= ${min})`);
  return n;
}

/**
 * A per-vCPU pattern: `v0:v1:...`, the last value repeated up to `vcpus` (so `offset=1000`
 * gives every vCPU the same offset, which KVM matches, and `offset=0:1000` vCPU0 alone a
 * different one). `unit` turns one value's text into the model's unit, or null if it is not one.
 */
function patternOf(
  params: Params,
  key: string,
  vcpus: number,
  unit: (text: string) => number | null,
  what: string,
): number[] {
  const v = params[key];
  const out = new Array<number>(vcpus).fill(0);
  if (v === undefined) return out;
  const parts = String(v).split(':');
  const vals = parts.map((text) => {
    const n = unit(text.trim());
    if (n === null || !Number.isFinite(n))
      throw new Error(`pvclock: ${key}=${String(v)} is not valid (${what}, one per vCPU separated by ':')`);
    return n;
  });
  if (vals.length > vcpus)
    throw new Error(`pvclock: ${key}=${String(v)} has ${vals.length} values for ${vcpus} vCPUs (at most one per vCPU)`);
  for (let k = 0; k < vcpus; k++) out[k] = vals[Math.min(k, vals.length - 1)]!;
  return out;
}

const NUMBER = /^[+-]?\d+(\.\d+)?$/;

/** ns (default, or an `ns` suffix) at the nominal TSC frequency, or cycles with a `c` suffix */
function offsetCycles(text: string): number | null {
  const m = /^([+-]?\d+)(ns|c)?$/.exec(text);
  if (m === null) return null;
  const n = Number(m[1]);
  return m[2] === 'c' ? n : Math.round((n * DEFAULT_TSC_KHZ) / 1e6);
}

function msNs(text: string): number | null {
  return NUMBER.test(text) && Number(text) >= 0 ? Math.round(Number(text) * 1e6) : null;
}

function driftPpb(text: string): number | null {
  return NUMBER.test(text) ? Math.round(Number(text) * 1000) : null;
}

export function parseCase(params: Params): PvclockCase {
  const vcpus = numberOf(params, 'vcpus', 2, 1, true);
  const c: PvclockCase = {
    scheme: oneOf(params, 'scheme', SCHEMES, 'master'),
    vcpus,
    load: oneOf(params, 'load', LOAD_KINDS, 'readers'),
    delta: numberOf(params, 'delta', 0, -Infinity, true),
    rate: numberOf(params, 'rate', 10, 0, false),
    explore: numberOf(params, 'explore', 4000, 1, true),
    host: oneOf(params, 'host', HOST_GENS, '5.16'),
    tick: numberOf(params, 'tick', 0, 0, true),
    bound: numberOf(params, 'bound', 2, 0, true),
    hostwrite: numberOf(params, 'hostwrite', 0, 0, true) !== 0,
    force0: numberOf(params, 'force0', 0, 0, true) !== 0,
    age: numberOf(params, 'age', 0, 0, true),
    offset: patternOf(params, 'offset', vcpus, offsetCycles, "integer ns, or cycles with a 'c' suffix"),
    xticks: numberOf(params, 'xticks', 0, 0, true),
    driftPpb: patternOf(params, 'drift', vcpus, driftPpb, 'ppm, a decimal number'),
    createdAtNs: patternOf(params, 'tscwrite', vcpus, msNs, 'ms >= 0, a decimal number'),
  };
  return c;
}

/**
 * Which TSC writes the case's KVM matches (tsc-sync.ts): kvm_write_tsc's 1-second window alone
 * before 4.13 (the 4.0 and 4.9 hosts), the window and "0 always synchronizes" from 4.13 (5.16)
 */
export function tscRuleOf(host: HostGen): TscSyncRule {
  return host === '5.16' ? 'zero-syncs' : 'window';
}

/** KVM left the vCPUs' TSCs in more than one generation: the masterclock stays off (host.ts:boot) */
export function unmatched(c: PvclockCase): boolean {
  const sync = syncVcpuTscs({
    vcpus: c.vcpus,
    rule: tscRuleOf(c.host),
    cyclesPerNs: DEFAULT_TSC_KHZ / 1e6,
    createdAtNs: c.createdAtNs,
    offset: c.offset,
    driftPpb: c.driftPpb,
  });
  return !sync.vcpusMatched();
}

/** vCPU0 is halted (runs no task) */
export function halted0(c: PvclockCase): boolean {
  return c.load === 'halt0' || c.load === 'unstable';
}

/** guest tasks that read: every vCPU but a halted vCPU0, or one that runs other guest code */
export function tasksOf(c: PvclockCase): number {
  return halted0(c) || c.load === 'late0' ? c.vcpus - 1 : c.vcpus;
}
