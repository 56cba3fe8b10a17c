// The end-of-run table: per suite, each case's median of the suite's primary metric for
// every variant, and its ratio to the baseline variant measured in the same run. A ratio is
// the one comparison that survives a noisy shared machine: variants of a case alternate round
// by round in one run (README, "What a run does"), so a slow spell hits them alike.
import type { SummaryRow } from './schema.js';
import type { LoadedSuite } from './plan.js';

export function formatNumber(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (a >= 1e6) return x.toExponential(3);
  if (a >= 100) return x.toFixed(0);
  if (a >= 10) return x.toFixed(1);
  if (a >= 1) return x.toFixed(2);
  return x.toPrecision(3);
}

function cell(
  rows: readonly SummaryRow[],
  suite: LoadedSuite,
  key: string,
  variant: string,
): { text: string; median?: number } {
  const mine = rows.filter((r) => r.suite === suite.name && r.case === key && r.variant === variant);
  if (mine.length === 0) return { text: '' };
  const bad = mine.find((r) => r.status !== 'ok');
  if (bad) return { text: bad.status === 'unsupported' ? 'over capacity' : `FAILED (${bad.status})` };
  const m = mine.find((r) => r.metric === suite.def.primaryMetric);
  if (!m) return { text: '-' };
  const median = Number(m.median);
  const spread = m.spread_pct === '' ? '' : ` ±${formatNumber(Number(m.spread_pct) / 2)}%`;
  return { text: `${formatNumber(median)}${spread}`, median };
}

export function endTable(rows: readonly SummaryRow[], suites: readonly LoadedSuite[]): string {
  const out: string[] = [];
  for (const suite of suites) {
    const mine = rows.filter((r) => r.suite === suite.name);
    if (mine.length === 0) continue;
    const keys = [...new Set(mine.map((r) => String(r.case)))];
    const variants = [...new Set(mine.map((r) => String(r.variant)))];
    const base = suite.def.baseline;
    const unit = mine.find((r) => r.metric === suite.def.primaryMetric)?.unit ?? '';
    out.push(`${suite.name}: ${suite.def.question}`);
    out.push(
      `${suite.def.primaryMetric} (${unit}): median ±half the range of per-worker medians (not compare's ±, an interval); (×N) = ratio to ${base} in this run`,
    );
    const table: string[][] = [['case', ...variants]];
    for (const key of keys) {
      const b = cell(rows, suite, key, base);
      table.push([
        key,
        ...variants.map((v) => {
          const c = cell(rows, suite, key, v);
          if (v === base || c.median === undefined || b.median === undefined) return c.text;
          return `${c.text} (×${(c.median / b.median).toFixed(2)})`;
        }),
      ]);
    }
    const widths = table[0]!.map((_, i) => Math.max(...table.map((r) => r[i]!.length)));
    for (const r of table)
      out.push(
        r
          .map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
          .join('  ')
          .trimEnd(),
      );
    out.push('');
  }
  return out.join('\n');
}
