// The exact counters of a grid, computed in this process without timing: the model's
// deterministic output, kept as a golden file under test/ so that any change to a model
// shows up as a readable diff of counters in the commit that made it.
import { stringify } from 'csv-stringify/sync';
import { planCases, type LoadedSuite } from './plan.js';
import { isUnsupported, type Profile } from './suite.js';

export const GOLDEN_COLUMNS = ['suite', 'case', 'variant', 'metric', 'unit', 'value'] as const;
export type GoldenRow = Record<(typeof GOLDEN_COLUMNS)[number], string>;

/**
 * Every exact counter of every (suite, case, variant) of the profile on one seed, in plan
 * order. A variant beyond its capacity gives one `capacity` row whose value is
 * `unsupported`; a failed gate gives one `gate` row whose value is `failed: …`, so that a
 * golden file can never hide either.
 */
export async function collectCounters(
  suites: readonly LoadedSuite[],
  profile: Profile,
  seed: number,
): Promise<GoldenRow[]> {
  const out: GoldenRow[] = [];
  for (const c of planCases(suites, { profile })) {
    const def = c.suite.def;
    const load = def.load.generate(c.params, seed);
    for (const variant of c.variants) {
      const row = (metric: string, unit: string, value: string): GoldenRow => ({
        suite: c.suite.name,
        case: c.key,
        variant,
        metric,
        unit,
        value,
      });
      const prepared = await def.prepare(c.suite.modules[variant], c.params, load);
      if (isUnsupported(prepared)) {
        out.push(row('capacity', '-', 'unsupported'));
        continue;
      }
      const gate = prepared.gate();
      if (!gate.ok) {
        out.push(row('gate', '-', `failed at ${gate.at}: expected ${gate.expected}, got ${gate.actual}`));
        continue;
      }
      out.push(row('gate_checked', 'observations', String(gate.checked)));
      for (const k of await prepared.counters()) out.push(row(k.metric, k.unit, String(k.value)));
    }
  }
  return out;
}

export function goldenCsv(rows: readonly GoldenRow[]): string {
  return stringify(rows as GoldenRow[], { header: true, columns: [...GOLDEN_COLUMNS] });
}
