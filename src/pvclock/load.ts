// Seeded host/scheduler loads for the pvclock suite. A load is the list of actions the host
// (and the guest scheduler) take while the readers read, each tagged with the number of
// reads completed before it may happen. The gate replays it on one deterministic interleaving;
// the real-thread run replays it with `after` scaled to its much larger read counts.
import { Rng, type LoadCodec, type LoadRow, type Params } from '../harness/kit.js';
import { GATE_READS, parseCase, tasksOf, type PvclockCase } from './case.js';
import { OP_KINDS, type Op, type OpKind } from './ops.js';

export interface PvclockLoad {
  /** the seed it was generated from: also seeds the gate's schedule and the explorer's random runs */
  readonly seed: number;
  /** reads each task performs in the gate's interleaving */
  readonly readsPerTask: number;
  readonly hostOps: readonly Op[];
  readonly schedOps: readonly Op[];
}

export function generateLoad(c: PvclockCase, seed: number): PvclockLoad {
  const rng = new Rng(seed >>> 0);
  const kind = c.load;
  const vcpus = c.vcpus;
  const master = c.scheme === 'master';
  const delta = c.delta;
  const tasks = Math.max(1, tasksOf(c));
  const readsPerTask = Math.ceil(GATE_READS / tasks);
  const total = readsPerTask * tasks;
  const rate = c.rate;
  const hostOps: Op[] = [];
  const schedOps: Op[] = [];
  const move: OpKind = master ? 'rebase' : 'drift';
  /** events at a mean spacing of 1000/rate reads, jittered ±50% */
  const ticks = (perThousand: number): number[] => {
    const out: number[] = [];
    if (perThousand <= 0) return out;
    const mean = 1000 / perThousand;
    for (
      let at = rng.range(1, Math.max(1, Math.round(mean)));
      at < total;
      at += Math.max(1, Math.round(mean * (0.5 + rng.float())))
    )
      out.push(at);
    return out;
  };
  switch (kind) {
    case 'readers':
      break;
    case 'periodic':
      // masterclock: rewrites of the same values; without it every update is a fresh per-vCPU
      // sample, off pvclock by a random error of at most |delta|
      for (const at of ticks(rate)) {
        hostOps.push(
          master
            ? { op: 'update', after: at, arg: 0 }
            : { op: 'drift', after: at, arg: delta === 0 ? 0 : rng.range(-Math.abs(delta), Math.abs(delta)) },
        );
      }
      break;
    case 'rebase': {
      // a storm at varying masterclock age: |delta| grows with the time since the last rebase
      const mean = 1000 / Math.max(rate, 1e-9);
      let last = 0;
      for (const at of ticks(rate)) {
        const age = at - last;
        last = at;
        hostOps.push({ op: move, after: at, arg: Math.round((delta * age) / mean) });
      }
      break;
    }
    case 'migrate':
      for (const at of ticks(rate / 4)) hostOps.push({ op: move, after: at, arg: delta });
      if (vcpus >= 2)
        for (const at of ticks(rate * 4)) schedOps.push({ op: 'migrate', after: at, arg: rng.int(vcpus - 1) });
      break;
    case 'halt0':
      // vCPU0 sleeps across a rebase, wakes, then sleeps across another one until the end
      hostOps.push({ op: move, after: Math.floor(total / 4), arg: delta });
      hostOps.push({ op: 'wake0', after: Math.floor(total / 2), arg: 0 });
      hostOps.push({ op: move, after: Math.floor((total * 3) / 4), arg: delta });
      break;
    case 'stable': {
      let on = master;
      for (const at of ticks(rate)) {
        hostOps.push({ op: on ? 'stable-off' : 'stable-on', after: at, arg: 0 });
        on = !on;
      }
      break;
    }
  }
  return { seed: seed >>> 0, readsPerTask, hostOps, schedOps };
}

export const pvclockLoad: LoadCodec<PvclockLoad> = {
  name: 'pvclock-ops',
  version: 1,
  generate: (params: Params, seed: number) => generateLoad(parseCase(params), seed),
  toRows(load: PvclockLoad): LoadRow[] {
    const rows: LoadRow[] = [
      { who: 'meta', op: 'seed', after: 0, arg: load.seed },
      { who: 'meta', op: 'reads_per_task', after: 0, arg: load.readsPerTask },
    ];
    for (const o of load.hostOps) rows.push({ who: 'host', op: o.op, after: o.after, arg: o.arg });
    for (const o of load.schedOps) rows.push({ who: 'sched', op: o.op, after: o.after, arg: o.arg });
    return rows;
  },
  fromRows(rows, params): PvclockLoad {
    let readsPerTask = Math.ceil(GATE_READS / Math.max(1, tasksOf(parseCase(params))));
    let seed = 1;
    const hostOps: Op[] = [];
    const schedOps: Op[] = [];
    rows.forEach((r, i) => {
      const who = r['who'];
      const after = Number(r['after']);
      const arg = Number(r['arg']);
      if (!Number.isFinite(after) || !Number.isFinite(arg))
        throw new Error(`pvclock load row ${i}: after/arg must be numbers`);
      if (who === 'meta') {
        if (r['op'] === 'reads_per_task') readsPerTask = arg;
        else if (r['op'] === 'seed') seed = arg >>> 0;
        return;
      }
      const op = r['op'] as OpKind;
      if (!OP_KINDS.includes(op))
        throw new Error(`pvclock load row ${i}: unknown op '${r['op']}' (one of ${OP_KINDS.join(', ')})`);
      if (who === 'host') hostOps.push({ op, after, arg });
      else if (who === 'sched') schedOps.push({ op, after, arg });
      else throw new Error(`pvclock load row ${i}: 'who' must be meta, host or sched, got '${who}'`);
    });
    return { seed, readsPerTask, hostOps, schedOps };
  },
};
