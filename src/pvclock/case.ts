// A pvclock case's parameters, parsed once into a typed case. Every other file of the suite
// (load, gate, explorer, real threads, timed body) takes a PvclockCase, so a default or a
// spelling lives here and nowhere else. A bad value is an error that names the parameter and
// the values that would be right.
import type { Params } from '../harness/kit.js';

/** ka->use_master_clock on (PVCLOCK_TSC_STABLE_BIT follows it) or off (per-vCPU samples) */
export type Scheme = 'master' | 'nomaster';
export const SCHEMES: readonly Scheme[] = ['master', 'nomaster'];

export type LoadKind = 'readers' | 'periodic' | 'rebase' | 'migrate' | 'halt0' | 'stable';
export const LOAD_KINDS: readonly LoadKind[] = ['readers', 'periodic', 'rebase', 'migrate', 'halt0', 'stable'];

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
  };
  return c;
}

/** guest tasks that read: every vCPU but a halted vCPU0 */
export function tasksOf(c: PvclockCase): number {
  return c.load === 'halt0' ? c.vcpus - 1 : c.vcpus;
}
