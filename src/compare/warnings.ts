// Warnings about what a comparison could not see: rows that cannot reach significance with
// the workers measured, rows tested over raw samples, rows without samples.
import { fmtP } from './text.js';
import type { CompareOptions, RowResult } from './types.js';

/** Says when the test had too little to go on; `tested` are the rows that got a p-value. */
export function powerWarnings(
  rows: readonly RowResult[],
  tested: readonly RowResult[],
  opts: CompareOptions,
  warnings: string[],
): void {
  const hopeless = tested.filter((r) => r.minP >= opts.alpha);
  if (hopeless.length > 0) {
    const [n1, n2] = hopeless[0]!.testN!;
    const what = hopeless[0]!.testUnit === 'worker' ? 'workers' : 'samples';
    warnings.push(
      `${hopeless.length} timing row(s) cannot reach significance: with ${n1}+${n2} ${what} the smallest possible p is ${fmtP(hopeless[0]!.minP)} ≥ α=${opts.alpha}; measure more workers (bench --rounds, --aa)`,
    );
  } else if (opts.correction === 'holm' && tested.some((r) => r.minP * tested.length >= opts.alpha)) {
    const r = tested.find((t) => t.minP * tested.length >= opts.alpha)!;
    warnings.push(
      `with ${r.testN![0]}+${r.testN![1]} ${r.testUnit === 'worker' ? 'workers' : 'samples'} the smallest possible p is ${fmtP(r.minP)}: after Holm over ${tested.length} rows, only rows far from the others can be significant; measure more workers (bench --rounds, --aa)`,
    );
  }
  const singles = tested.filter((r) => r.testUnit === 'sample' && opts.testUnit === 'worker').length;
  if (singles > 0)
    warnings.push(
      `${singles} timing row(s) have a single worker on a side: tested over raw samples, which ignores worker-to-worker noise`,
    );
  const untested = rows.filter((r) => r.verdict === 'untested').length;
  if (untested > 0) warnings.push(`${untested} timing row(s) lack raw samples and were not tested`);
}
