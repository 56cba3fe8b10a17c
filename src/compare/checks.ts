// Whether two runs may be compared at all: the same operation streams (refused otherwise),
// the same environment (a warning, or refused under --strict-env).
import { InputError } from '../harness/exit.js';
import { ENV_FIELDS } from '../harness/rundir.js';
import type { Run } from './read.js';
import type { CompareOptions, Pair } from './types.js';

/** Refuses (or, when allowed, warns about) rows measured on different operation streams. */
export function checkLoads(pairs: readonly Pair[], opts: CompareOptions, warnings: string[]): void {
  const bad = pairs.filter((p) => p.base && p.head && (p.base.seed !== p.head.seed || p.base.load !== p.head.load));
  if (bad.length === 0) return;
  const first = bad[0]!;
  const what = `${bad.length} row${bad.length > 1 ? 's were' : ' was'} measured on different loads, e.g. ${first.suite} ${first.variant} ${first.case}: seed ${first.base!.seed} load ${first.base!.load} vs seed ${first.head!.seed} load ${first.head!.load}`;
  if (!opts.allowLoadMismatch) {
    throw new InputError(
      `${what}. A timing comparison across different operation streams is meaningless; rerun with the same --seed, or pass --allow-load-mismatch`,
    );
  }
  warnings.push(`${what} (--allow-load-mismatch)`);
}

/** Warns (or with --strict-env refuses) when the two runs come from different environments. */
export function checkEnv(base: Run, head: Run, opts: CompareOptions, warnings: string[]): void {
  const diffs: string[] = [];
  for (const f of ENV_FIELDS) {
    const bv = [...new Set(base.rows.map((r) => r.env[f]))].sort().join(' | ');
    const hv = [...new Set(head.rows.map((r) => r.env[f]))].sort().join(' | ');
    if (bv !== hv) diffs.push(`${f}: ${bv || '(empty)'} vs ${hv || '(empty)'}`);
  }
  if (diffs.length === 0) return;
  const msg = `the runs come from different environments (${diffs.join('; ')})`;
  if (opts.strictEnv) throw new InputError(`${msg}; --strict-env refuses to compare them`);
  warnings.push(`${msg}: timing changes may be the machine's, not the code's`);
}
