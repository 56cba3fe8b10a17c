// The deterministic half of the suite: one explorer run per (reader, scheme, host load, δ),
// small enough to stay well under a second (2 task vCPUs, one read each unless told).
import { explore, formatTrace, type ExploreResult } from '../harness/kit.js';
import type { Scheme } from './case.js';
import { buildModel } from './model.js';
import type { Op } from './ops.js';
import type { ReaderVariant } from './reader.js';
import type { TscSyncRule } from './tsc-sync.js';
import { DEFAULT_TSC_KHZ } from './vm.js';

/** host activity during the explored reads (see model.ts) */
export type ExploreLoad =
  | 'rebase'
  | 'update'
  | 'halt0'
  | 'migrate'
  | 'stable'
  | 'idle'
  | 'revert'
  | 'setclock'
  | 'unstable'
  | 'late0';

export interface ExploreCase {
  readonly reader: ReaderVariant;
  readonly scheme: Scheme;
  readonly load: ExploreLoad;
  readonly delta: number;
  /** exhaustive budget (interleavings); beyond it, randomRuns seeded runs */
  readonly budget: number;
  readonly preemptionBound: number;
  readonly seed: number;
  readonly readsPerTask?: number;
  readonly taskVcpus?: number;
  readonly updateAt?: 'entry' | 'host';
  readonly torn?: boolean;
  readonly stableWithoutMasterclock?: boolean;
  readonly ignoreTscMatching?: boolean;
  /** timekeeping updates anywhere in the interleaving (the vDSO's cycle_last clamp) */
  readonly timekeeperTicks?: number;
  readonly tscOffset?: readonly number[];
  readonly tscDriftPpb?: readonly number[];
  readonly tscRule?: TscSyncRule;
  readonly tscCreatedAtNs?: readonly number[];
  /** ns since the pvti were last written when the reads start (the masterclock's age) */
  readonly ageNs?: number;
  /** each task's second read is a syscall (in-kernel reader on its own pvti), to mix the two paths */
  readonly syscallReads?: boolean;
  readonly checks?: { readonly warp: boolean; readonly torn: boolean; readonly mixed: boolean };
  /** KVM_SET_CLOCK without blocking entries (Linux 4.9-5.15) */
  readonly setClockUnblocked?: boolean;
  /** Tosatti's remedy: vCPU0 updated inside the masterclock-off transition */
  readonly force0?: boolean;
}

export function hostOpsFor(load: ExploreLoad, scheme: Scheme, delta: number): Op[] {
  const move: Op = { op: scheme === 'master' ? 'rebase' : 'drift', after: 0, arg: delta };
  switch (load) {
    case 'rebase':
    case 'migrate':
    case 'revert':
    case 'late0':
      return [move];
    case 'unstable':
      return [
        { op: 'unstable', after: 0, arg: Math.round((delta * DEFAULT_TSC_KHZ) / 1e6) },
        { op: 'wake0', after: 0, arg: 0 },
      ];
    case 'setclock':
      return [{ op: 'setclock', after: 0, arg: delta }];
    case 'update':
      return [{ op: 'update', after: 0, arg: 0 }];
    case 'halt0':
      return [move, { op: 'wake0', after: 0, arg: 0 }];
    case 'stable':
      return [
        { op: 'stable-off', after: 0, arg: 0 },
        { op: 'stable-on', after: 0, arg: 0 },
      ];
    case 'idle':
      return [];
  }
}

export function exploreCase(c: ExploreCase): ExploreResult {
  const halted0 = c.load === 'halt0' || c.load === 'unstable';
  const late0 = c.load === 'late0';
  const taskVcpus = c.taskVcpus ?? 2;
  // the revert case: one reading task, migrated out and back while inside its read (the
  // scheduler waits for that), and a second task that only runs guest code on the other vCPU
  const revert = c.load === 'revert';
  const model = buildModel({
    reader: c.reader,
    scheme: c.scheme,
    vcpus: taskVcpus + (halted0 || late0 ? 1 : 0),
    late0,
    force0: c.force0 ?? false,
    ageNs: c.ageNs ?? 0,
    halted0,
    readsPerTask: c.readsPerTask ?? (c.syscallReads === true ? 2 : 1),
    syscallReads: c.syscallReads ?? false,
    hostOps: hostOpsFor(c.load, c.scheme, c.delta),
    readingTasks: revert ? 1 : taskVcpus,
    migrateInRead: revert,
    setClockUnblocked: c.setClockUnblocked ?? false,
    schedOps:
      c.load === 'migrate' || revert
        ? [
            { op: 'migrate', after: 0, arg: 0 },
            { op: 'migrate', after: 0, arg: 0 },
          ]
        : [],
    torn: c.torn ?? false,
    updateAt: c.updateAt ?? 'entry',
    stableWithoutMasterclock: c.stableWithoutMasterclock ?? false,
    ignoreTscMatching: c.ignoreTscMatching ?? false,
    timekeeperTicks: c.timekeeperTicks ?? 0,
    tscOffset: c.tscOffset ?? [],
    tscDriftPpb: c.tscDriftPpb ?? [],
    tscRule: c.tscRule ?? 'zero-syncs',
    tscCreatedAtNs: c.tscCreatedAtNs ?? [],
    checks: c.checks ?? { warp: true, torn: true, mixed: false },
  });
  return explore(model, {
    maxSteps: 120,
    maxInterleavings: c.budget,
    randomRuns: Math.max(50, Math.floor(c.budget / 10)),
    seed: c.seed,
    preemptionBound: c.preemptionBound,
  });
}

export { formatTrace };
