// A case of the vcpuinfo suite, parsed once from its parameters, and its seeded load: the
// event channels' sends from the moment the domain resumes on the new host, round by round,
// while the vCPUs re-register. Events pending at suspend do not travel: the restore zeroes
// evtchn_pending and the selectors and masks every port (libxenguest
// tools/libs/guest/xg_sr_restore_x86_pv.c:handle_shared_info), and the guest rebinds its
// channels; what the gate checks is that every send made after resume is delivered once.
import { Rng, type LoadCodec, type LoadRow, type Params } from '../harness/kit.js';
import type { HostRules } from './machine.js';
import type { Send } from './programs.js';

export const RATES = { idle: 0.05, busy: 0.5, storm: 4 } as const;
export type Rate = keyof typeof RATES;
export const HOSTS: Readonly<Record<string, HostRules>> = {
  // map_guest_area (xen commit 295514ff7550): a remote target is paused, not refused
  'xen-4.18': { remote: 'pause', vcpuOps: true },
  // map_vcpu_info: "Run this command on yourself or on other offline VCPUS"
  'xen-4.17': { remote: 'refuse-running', vcpuOps: true },
  // the thread's proposal taken literally: register a running vCPU's area, no pause
  'remote-nopause': { remote: 'allow', vcpuOps: true },
  // HVM before xen commit 192df6f9122d: hvm_vcpu_op returns -ENOSYS for VCPUOP_is_up/down/up
  'hvm-pre-4.7': { remote: 'refuse-running', vcpuOps: false },
};
/** event channels per vCPU in the load */
export const PORTS_PER_VCPU = 2;

export interface VcpuinfoCase {
  readonly vcpus: number;
  readonly rate: Rate;
  readonly guest: 'hvm' | 'pv';
  readonly hostName: string;
  readonly host: HostRules;
  readonly forceTime: boolean;
  readonly failVcpu: number;
  readonly cancelled: boolean;
  /** 'spread': channel p bound to vCPU (p-1) mod N; 'vcpu0': all on vCPU 0 (Linux's boot default) */
  readonly bind: 'spread' | 'vcpu0';
  /** 'callback': the global callback vector (level; Linux PVHVM's default, and PV alike); 'lapic': the per-vCPU upcall vector (edge) */
  readonly injection: 'level' | 'edge';
  /** the explorer's exhaustive budget in interleavings per model */
  readonly explore: number;
  /** rounds during which the backends keep sending */
  readonly rounds: number;
}

export interface VcpuinfoLoad {
  readonly seed: number;
  readonly bindOf: Int32Array;
  readonly sends: readonly Send[];
}

function oneOf<T extends string>(params: Params, key: string, valid: readonly T[], dflt: T): T {
  const v = String(params[key] ?? dflt);
  if (!(valid as readonly string[]).includes(v))
    throw new RangeError(`vcpuinfo: ${key}=${v} is not valid (one of ${valid.join(', ')})`);
  return v as T;
}

export function caseOf(params: Params): VcpuinfoCase {
  const vcpus = Number(params['vcpus']);
  if (!Number.isInteger(vcpus) || vcpus < 1 || vcpus > 2047)
    throw new RangeError(`vcpuinfo: vcpus must be an integer in [1, 2047], got ${params['vcpus']}`);
  const hostName = oneOf(params, 'host', Object.keys(HOSTS), 'xen-4.18');
  const fail = Number(params['fail'] ?? -1);
  if (!Number.isInteger(fail) || fail < -1 || fail >= vcpus)
    throw new RangeError(`vcpuinfo: fail must be -1 (none) or a vCPU in [0, ${vcpus - 1}], got ${params['fail']}`);
  const explore = Number(params['explore'] ?? 2000);
  if (!Number.isInteger(explore) || explore < 0)
    throw new RangeError(`vcpuinfo: explore must be a non-negative integer, got ${params['explore']}`);
  return {
    vcpus,
    rate: oneOf(params, 'rate', Object.keys(RATES) as Rate[], 'storm'),
    guest: oneOf(params, 'guest', ['hvm', 'pv'], 'hvm'),
    hostName,
    host: HOSTS[hostName]!,
    forceTime: oneOf(params, 'time', ['forced', 'stale'], 'forced') === 'forced',
    failVcpu: fail,
    cancelled: oneOf(params, 'suspend', ['migrate', 'cancel'], 'migrate') === 'cancel',
    bind: oneOf(params, 'bind', ['spread', 'vcpu0'], 'spread'),
    injection: oneOf(params, 'upcall', ['callback', 'lapic'], 'callback') === 'lapic' ? 'edge' : 'level',
    explore,
    // long enough to cover the slowest strategy's resume (Linux: up to 5 hypercalls and 3 more steps per vCPU)
    rounds: 8 * vcpus + 16,
  };
}

export function bindingOf(c: VcpuinfoCase): Int32Array {
  const ports = PORTS_PER_VCPU * c.vcpus + 1;
  const bindOf = new Int32Array(ports);
  for (let p = 1; p < ports; p++) bindOf[p] = c.bind === 'spread' ? (p - 1) % c.vcpus : 0;
  return bindOf;
}

export function generate(params: Params, seed: number): VcpuinfoLoad {
  const c = caseOf(params);
  const rng = new Rng(seed >>> 0);
  const bindOf = bindingOf(c);
  const rate = RATES[c.rate];
  const whole = Math.floor(rate);
  const frac = rate - whole;
  const sends: Send[] = [];
  for (let round = 0; round < c.rounds; round++) {
    const k = whole + (frac > 0 && rng.chance(frac) ? 1 : 0);
    for (let i = 0; i < k; i++) sends.push({ round, port: 1 + rng.int(bindOf.length - 1) });
  }
  return { seed, bindOf, sends };
}

export const vcpuinfoLoad: LoadCodec<VcpuinfoLoad> = {
  name: 'vcpuinfo-sends',
  version: 1,
  generate,
  toRows: (load): LoadRow[] => load.sends.map((s) => ({ round: s.round, port: s.port })),
  fromRows(rows, params) {
    const c = caseOf(params);
    const bindOf = bindingOf(c);
    const sends = rows.map((r, i) => {
      const round = Number(r['round']);
      const port = Number(r['port']);
      if (!Number.isInteger(round) || round < 0 || !Number.isInteger(port) || port < 1 || port >= bindOf.length)
        throw new RangeError(`vcpuinfo load row ${i}: need round >= 0 and port in [1, ${bindOf.length - 1}]`);
      return { round, port };
    });
    sends.sort((a, b) => a.round - b.round);
    // the rows carry the sends only: a replayed stream's rounds are ordered from seed 0
    return { seed: 0, bindOf, sends };
  },
};
