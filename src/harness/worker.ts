// The body of one task, in a fresh worker: build the load from the seed, run the gate, and
// only if the variant agrees with the reference, time it and collect its counters. The worker
// imports exactly one variant module, so no other variant's code or type feedback is here.
import { startWindow } from './contention.js';
import { measure } from './measure.js';
import { parseLoadText } from './loadfile.js';
import { isUnsupported, type SuiteDef } from './suite.js';
import type { TaskResult, TaskSpec } from './task.js';

export default async function runTask(spec: TaskSpec): Promise<TaskResult> {
  const suite = ((await import(spec.suiteUrl)) as { default: SuiteDef }).default;
  const load =
    spec.loadCsv !== undefined
      ? suite.load.fromRows(parseLoadText(spec.loadCsv), spec.params)
      : suite.load.generate(spec.params, spec.seed);
  const loader = suite.variants[spec.variant];
  if (!loader) throw new Error(`suite ${spec.suite} has no variant '${spec.variant}'`);
  const prepared = await suite.prepare(await loader(), spec.params, load);
  if (isUnsupported(prepared)) return { status: 'unsupported', detail: prepared.unsupported };
  const gate = prepared.gate();
  if (!gate.ok) {
    return {
      status: 'gate-failed',
      detail: `first difference at operation ${gate.at}: expected ${gate.expected}, got ${gate.actual}`,
    };
  }
  // Timed before the counters are collected: counting runs the variant's code again on other
  // classes (a counted model, a fresh build), and the type feedback it leaves in shared call
  // sites would make the timed loop polymorphic. The gate runs first; it must.
  const bodies = prepared.timed();
  const window = startWindow();
  const { timings, harness } = await measure(bodies, { timeMs: spec.timeMs, slowdown: spec.slowdown ?? 0 });
  const contention = window();
  const counters = await prepared.counters();
  const gauges = (await prepared.gauges?.()) ?? [];
  // the harness's own costs only beside timings: a task that timed nothing has none
  const all = timings.length > 0 ? [...gauges, ...harness] : gauges;
  return { status: 'ok', checked: gate.checked, counters, gauges: all, timings, contention };
}
