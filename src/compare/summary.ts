// What a comparison adds up to: geometric means of the timing ratios, and the rows that fail
// `--fail-on regression`.
import { isRegression } from './direction.js';
import { geomean } from './stats.js';
import type { Comparison, Geomean, RowResult } from './types.js';

export function geomeans(rows: readonly RowResult[], mode: 'runs' | 'variants'): Geomean[] {
  const groups = new Map<string, number[]>();
  const push = (scope: string, v: number) => {
    let g = groups.get(scope);
    if (!g) groups.set(scope, (g = []));
    g.push(v);
  };
  for (const r of rows) {
    if (r.kind !== 'timing' || !(r.ratio > 0) || !Number.isFinite(r.ratio)) continue;
    // undecided rows were measured alike, only not settled: their ratio counts as a same row's does
    if (!['slower', 'faster', 'same', 'undecided', 'untested'].includes(r.verdict)) continue;
    if (mode === 'variants') push(`${r.suite} ${r.variant}`, r.ratio);
    else push(r.suite, r.ratio);
    push('all', r.ratio);
  }
  return [...groups].map(([scope, rs]) => ({ scope, ratio: geomean(rs), n: rs.length }));
}

/** The rows that fail `--fail-on regression`. */
export function regressions(c: Comparison): RowResult[] {
  return c.rows.filter(isRegression);
}
