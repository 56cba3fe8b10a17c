// A pvclock case's parameters, parsed once into a typed case. Every other file of the suite
// (load, gate, explorer, real threads, timed body) takes a PvclockCase, so a default or a
// spelling lives here and nowhere else. A bad value is an error that names the parameter and
// the values that would be right.
import type { Params } from '../harness/kit.js';

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

export function parseCase(params: Params): PvclockCase {
  const c: PvclockCase = {
    scheme: oneOf(params, 'scheme', SCHEMES, 'master'),
    vcpus: numberOf(params, 'vcpus', 2, 1, true),
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
  };
  return c;
}

/** vCPU0 is halted (runs no task) */
export function halted0(c: PvclockCase): boolean {
  return c.load === 'halt0' || c.load === 'unstable';
}

/** guest tasks that read: every vCPU but a halted vCPU0, or one that runs other guest code */
export function tasksOf(c: PvclockCase): number {
  return halted0(c) || c.load === 'late0' ? c.vcpus - 1 : c.vcpus;
}
