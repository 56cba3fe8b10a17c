// The correctness gate: the variant's reads on one deterministic, seeded interleaving of host
// stores, scheduler migrations and reader steps, each compared with a reference reader — the
// BigInt conversion of the pvti body the host published under the version the reader saw, at
// the TSC the reader read. Every other read goes through the variant's hot read() (at points
// where no pvti is being written), the rest through its step twin, so both are checked.
import type { Gate } from '../harness/kit.js';
import { halted0, tasksOf, tscRuleOf, type PvclockCase } from './case.js';
import type { PvclockLoad } from './load.js';
import { buildModel, runSeeded, type ModelState } from './model.js';
import type { ReaderVariant } from './reader.js';

export interface GateRun {
  readonly gate: Gate;
  readonly state: ModelState;
}

export function runGate(reader: ReaderVariant, c: PvclockCase, load: PvclockLoad, seed: number, torn = false): GateRun {
  const model = buildModel({
    reader,
    scheme: c.scheme,
    vcpus: c.vcpus,
    halted0: halted0(c),
    late0: c.load === 'late0',
    readingTasks: tasksOf(c),
    force0: c.force0,
    readsPerTask: load.readsPerTask,
    hostOps: load.hostOps,
    schedOps: load.schedOps,
    torn,
    updateAt: 'entry',
    checks: { warp: false, torn: false, mixed: false },
    hotReads: true,
    setClockUnblocked: c.host === '4.9',
    tscOffset: c.offset,
    tscDriftPpb: c.driftPpb,
    // the pvti were last written `age` ns before the reads start: a drifting TSC has parted
    // from the host's clock by then, and the first update shows it (age.ts)
    ageNs: c.age,
    tscRule: tscRuleOf(c.host),
    tscCreatedAtNs: c.createdAtNs,
  });
  const { state } = runSeeded(model, seed, 10_000_000);
  const m = state.mismatch;
  const gate: Gate =
    m === null ? { ok: true, checked: state.reads } : { ok: false, at: m.at, expected: m.expected, actual: m.actual };
  return { gate, state };
}
