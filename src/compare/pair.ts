// Pairing rows: across two runs by (suite, variant, case, metric), or inside one run, each
// variant with its suite's baseline. A row on one side only is kept as a one-sided pair.
import { rowKey, type Run, type SummaryRec } from './read.js';
import type { Pair } from './types.js';

/** Pairs the rows of two runs by (suite, variant, case, metric), keeping one-sided rows. */
export function pairRuns(base: Run, head: Run): Pair[] {
  const hs = new Map(head.rows.map((r) => [rowKey(r), r]));
  const seen = new Set<string>();
  const pairs: Pair[] = [];
  const add = (b: SummaryRec | undefined, h: SummaryRec | undefined) => {
    const r = (b ?? h)!;
    const k = rowKey(r);
    pairs.push({
      suite: r.suite,
      variant: r.variant,
      case: r.case,
      metric: r.metric,
      base: b,
      head: h,
      baseSamples: b && base.samples.get(k),
      headSamples: h && head.samples.get(k),
    });
  };
  for (const b of base.rows) {
    const k = rowKey(b);
    if (seen.has(k)) continue;
    seen.add(k);
    add(b, hs.get(k));
  }
  for (const h of head.rows) if (!seen.has(rowKey(h))) add(undefined, h);
  return pairs;
}

/**
 * Pairs every variant with its suite's baseline variant inside one run: the question each
 * suite exists to answer. Baseline rows themselves are not listed (they would compare with
 * themselves).
 */
export function pairVariants(run: Run, baselineOf: (suite: string) => string): Pair[] {
  const pairs: Pair[] = [];
  const byKey = new Map(run.rows.map((r) => [rowKey(r), r]));
  const covered = new Set<string>();
  for (const r of run.rows) {
    const b = baselineOf(r.suite);
    if (r.variant === b) continue;
    const bk = rowKey({ ...r, variant: b });
    const base = byKey.get(bk);
    if (base) covered.add(bk);
    pairs.push({
      suite: r.suite,
      variant: `${r.variant} vs ${b}`,
      case: r.case,
      metric: r.metric,
      base,
      head: r,
      baseSamples: base && run.samples.get(bk),
      headSamples: run.samples.get(rowKey(r)),
    });
  }
  // baseline rows that no other variant has: listed as one-sided, not dropped
  for (const r of run.rows) {
    if (r.variant !== baselineOf(r.suite) || covered.has(rowKey(r))) continue;
    pairs.push({
      suite: r.suite,
      variant: `(${r.variant} only)`,
      case: r.case,
      metric: r.metric,
      base: r,
      head: undefined,
      baseSamples: run.samples.get(rowKey(r)),
      headSamples: undefined,
    });
  }
  return pairs;
}
