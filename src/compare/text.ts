// Small text helpers shared by the output formats: aligned columns and number formatting.

/** Four significant digits with a k/M/G suffix for large values, as a reader scans them. */
export function fmtValue(v: number): string {
  if (!Number.isFinite(v)) return '-';
  const a = Math.abs(v);
  if (a >= 1e9) return (v / 1e9).toPrecision(4) + 'G';
  if (a >= 1e6) return (v / 1e6).toPrecision(4) + 'M';
  if (a >= 1e4) return (v / 1e3).toPrecision(4) + 'k';
  if (Number.isInteger(v)) return String(v);
  return v.toPrecision(4);
}

/** A signed percentage: +5.77%, -0.12%. */
export function fmtPct(p: number, digits = 2): string {
  if (!Number.isFinite(p)) return '-';
  return (p >= 0 ? '+' : '') + p.toFixed(digits) + '%';
}

/** Left-aligns the first `leftCols` columns and right-aligns the rest, two spaces apart. */
export function align(
  rows: readonly (readonly string[])[],
  leftCols: number,
  visible: (s: string) => number = (s) => s.length,
): string[] {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, visible(c))));
  return rows.map((r) =>
    r
      .map((c, i) => {
        const pad = ' '.repeat(widths[i]! - visible(c));
        return i < leftCols ? c + pad : pad + c;
      })
      .join('  ')
      .trimEnd(),
  );
}

/** Length of a string as shown on a terminal, not counting ANSI colour codes. */
export function visibleLength(s: string): number {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI colour codes start with ESC
  return s.replace(/\x1b\[[0-9;]*m/g, '').length;
}

/** A p-value as a reader scans it. */
export function fmtP(p: number): string {
  return p < 0.001 ? '<0.001' : p.toFixed(3);
}
