// The evtchn load codec: seeded generation (generate.ts) and the CSV rows of --dump-load and
// --load, both checked against the rules Xen enforces (ops.ts: checkLoad).
import type { LoadCodec, LoadRow, Params } from '../harness/kit.js';
import { generate } from './generate.js';
import { Builder, checkLoad, type EvtchnLoad, OP_NAMES, shapeOf } from './ops.js';

export * from './ops.js';
export { generate } from './generate.js';

export function toRows(load: EvtchnLoad): LoadRow[] {
  const rows: LoadRow[] = [];
  for (let i = 0; i < load.length; i++) {
    rows.push({ op: OP_NAMES[load.op[i]!]!, port: load.port[i]!, arg: load.arg[i]! });
  }
  return rows;
}

export function fromRows(rows: ReadonlyArray<Readonly<Record<string, string>>>, params: Params): EvtchnLoad {
  const shape = shapeOf(params);
  const b = new Builder();
  rows.forEach((row, i) => {
    const op = (OP_NAMES as readonly string[]).indexOf(String(row['op']));
    if (op < 0)
      throw new RangeError(`evtchn load row ${i + 1}: unknown op '${row['op']}' (valid: ${OP_NAMES.join(', ')})`);
    const port = Number(row['port']);
    const arg = Number(row['arg']);
    if (!Number.isInteger(port) || port < 0 || port >= shape.ports) {
      throw new RangeError(
        `evtchn load row ${i + 1}: port ${row['port']} outside 1..${shape.ports - 1} (ports=${shape.ports})`,
      );
    }
    if (!Number.isInteger(arg) || arg < 0) throw new RangeError(`evtchn load row ${i + 1}: bad arg '${row['arg']}'`);
    b.push(op, port, arg);
  });
  const load = b.build(shape.ports, shape.vcpus);
  checkLoad(load);
  return load;
}

export const evtchnLoad: LoadCodec<EvtchnLoad> = {
  name: 'evtchn-ops',
  version: 2,
  generate: (params, seed) => {
    const load = generate(shapeOf(params), seed);
    checkLoad(load);
    return load;
  },
  toRows,
  fromRows,
};
