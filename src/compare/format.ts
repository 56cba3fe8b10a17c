// Output formats. The terminal table follows benchstat: one block per suite and metric,
// each side's median with the spread of its interval, the change or `~`, the p-value with the
// sample counts, and a geometric mean. Unlike benchstat, every row also says in words what
// it means (slower, counter grew, FAILED), so that no reader has to decode colours
// (google-benchmark's compare.py paints "different" green, which readers misread).
import { stringify } from 'csv-stringify/sync';
import { csvCell } from '../harness/csvcell.js';
import { isRegression, judgement } from './direction.js';
import { align, fmtP, fmtPct, fmtValue, visibleLength } from './text.js';
import type { Cell, Comparison, RowResult } from './types.js';

export type Format = 'text' | 'md' | 'csv' | 'json';

const COLOURS = { red: '31', green: '32', yellow: '33', bold: '1', dim: '2' } as const;
type Colour = keyof typeof COLOURS;

function paint(on: boolean, c: Colour | undefined, s: string): string {
  return on && c && s !== '' ? `\x1b[${COLOURS[c]}m${s}\x1b[0m` : s;
}

function cellText(c: Cell | undefined, kind: string): string {
  if (c === undefined) return '—';
  if (c.status !== 'ok') return c.status;
  const v = fmtValue(c.value);
  if (kind !== 'timing' || !Number.isFinite(c.spread)) return v;
  return `${v} ±${Math.round(c.spread * 100)}%`;
}

function changeText(r: RowResult): string {
  switch (r.verdict) {
    case 'slower':
    case 'faster':
      return fmtPct((r.ratio - 1) * 100);
    case 'same':
      return '~';
    case 'unknown':
    case 'undecided':
      return fmtPct((r.ratio - 1) * 100) + ' ?';
    case 'untested':
    case 'gauge':
      return fmtPct((r.ratio - 1) * 100) + (r.verdict === 'untested' ? ' ?' : '');
    case 'counter-same':
      return '=';
    case 'counter-up':
    case 'counter-down': {
      const d = r.head!.value - r.base!.value;
      return `${d > 0 ? '+' : ''}${fmtValue(d)} (${fmtPct((r.ratio - 1) * 100, 1)})`;
    }
    default:
      return '';
  }
}

function ciText(r: RowResult): string {
  if (!Number.isFinite(r.ciLo)) return '';
  return `[${fmtPct((r.ciLo - 1) * 100, 1)}, ${fmtPct((r.ciHi - 1) * 100, 1)}]`;
}

function pText(r: RowResult): string {
  if (!Number.isFinite(r.pAdj)) return '';
  const p = fmtP(r.pAdj);
  const [n1, n2] = r.testN!;
  return `${p.startsWith('<') ? 'p' : 'p='}${p} n=${n1}+${n2}`;
}

function noteText(r: RowResult): { text: string; colour: Colour | undefined } {
  switch (r.verdict) {
    case 'slower':
      return { text: 'slower', colour: 'red' };
    case 'faster':
      return { text: 'faster', colour: 'green' };
    case 'same':
      return { text: r.reason, colour: 'dim' };
    case 'untested':
      return { text: 'not tested: no raw samples', colour: 'yellow' };
    case 'counter-same':
      return { text: '', colour: undefined };
    case 'counter-up':
    case 'counter-down': {
      const j = judgement(r.verdict === 'counter-up', r.better);
      const how = j === 'unjudged' ? 'no direction declared: flagged, not judged' : j;
      return {
        text: `counter ${r.verdict === 'counter-up' ? 'grew' : 'fell'}: the work changed (${how})`,
        colour: j === 'worse' ? 'red' : 'yellow',
      };
    }
    case 'unknown':
      return { text: `unknown: ${r.reason}`, colour: 'yellow' };
    case 'undecided':
      return { text: `undecided: ${r.reason}`, colour: 'yellow' };
    case 'gauge':
      return { text: 'gauge: shown, not judged', colour: 'dim' };
    case 'failed':
      return { text: `FAILED: ${r.reason}`, colour: 'red' };
    case 'fixed':
      return { text: `fixed (${r.reason})`, colour: 'green' };
    case 'unsupported':
      return { text: r.reason, colour: 'dim' };
    case 'only-base':
      return { text: 'only in base', colour: 'yellow' };
    case 'only-head':
      return { text: 'only in head', colour: 'yellow' };
  }
}

const HEADER = ['variant', 'case', 'base', 'head', 'change', 'CI', 'p', 'A/A', ''];

/** A block of exact counters that all agree says one thing: it is summarised in a line. */
function allEqualCounters(rows: readonly RowResult[]): boolean {
  return rows.length > 0 && rows.every((r) => r.verdict === 'counter-same');
}

/** Statistics columns only where a block has timings. */
function columnsFor(rows: readonly RowResult[]): number[] {
  if (!rows.some((r) => r.kind === 'timing')) return [0, 1, 2, 3, 4, 8];
  // the A/A column only when the runs measured one (bench --aa)
  return rows.some((r) => r.aaBandPct !== undefined) ? [0, 1, 2, 3, 4, 5, 6, 7, 8] : [0, 1, 2, 3, 4, 5, 6, 8];
}

/** Rows grouped by suite, then by metric (and unit), in order of first appearance. */
function blocks(c: Comparison): Map<string, Map<string, RowResult[]>> {
  const out = new Map<string, Map<string, RowResult[]>>();
  for (const r of c.rows) {
    let s = out.get(r.suite);
    if (!s) out.set(r.suite, (s = new Map()));
    const title = r.metric === 'gate' ? 'gate' : `${r.metric} [${r.unit}${r.kind === 'timing' ? '' : `, ${r.kind}`}]`;
    let b = s.get(title);
    if (!b) s.set(title, (b = []));
    b.push(r);
  }
  return out;
}

function rowCells(r: RowResult, colour: boolean): string[] {
  const note = noteText(r);
  const changeColour =
    r.verdict === 'slower'
      ? 'red'
      : r.verdict === 'faster'
        ? 'green'
        : r.verdict.startsWith('counter-') && r.verdict !== 'counter-same'
          ? 'yellow'
          : undefined;
  return [
    r.variant,
    r.case,
    cellText(r.base, r.kind),
    cellText(r.head, r.kind),
    paint(colour, changeColour, changeText(r)),
    ciText(r),
    pText(r),
    r.aaBandPct !== undefined ? `±${r.aaBandPct.toFixed(1)}%` : '',
    paint(colour, note.colour, note.text + (r.mixture && r.verdict !== 'unknown' ? ` [modes: ${r.mixture}]` : '')),
  ];
}

/** Counts per verdict, in words: the last line of the text output. */
export function tally(c: Comparison): string {
  const n = (pred: (r: RowResult) => boolean) => c.rows.filter(pred).length;
  const parts: [number, string][] = [
    [n((r) => r.verdict === 'slower'), 'slower'],
    [n((r) => r.verdict === 'faster'), 'faster'],
    [n((r) => r.verdict === 'same'), 'unchanged (~)'],
    [n((r) => r.verdict === 'untested'), 'untested'],
    [n((r) => r.verdict === 'unknown'), 'unknown (not measured alike)'],
    [n((r) => r.verdict === 'undecided'), 'undecided'],
    [n((r) => r.verdict === 'counter-up' || r.verdict === 'counter-down'), 'counters changed'],
    [n((r) => r.verdict === 'counter-same'), 'counters equal'],
    [n((r) => r.verdict === 'failed'), 'failed'],
    [n((r) => r.verdict === 'fixed'), 'fixed'],
    [n((r) => r.verdict === 'only-base'), 'only in base'],
    [n((r) => r.verdict === 'only-head'), 'only in head'],
  ];
  return parts
    .filter(([k]) => k > 0)
    .map(([k, w]) => `${k} ${w}`)
    .join(', ');
}

/**
 * What the ± beside a median means here. Not the bench end table's ± (half the range of the
 * per-worker medians): compare pools more workers and can give an interval.
 */
export const SPREAD_LEGEND =
  '±: 95% interval of the median over workers (2–5 workers: the farthest worker median; 1 worker: over its samples)';

function optionsLine(c: Comparison): string {
  const o = c.options;
  if (o.decision === 'interval') {
    const rows = c.rows.filter((r) => Number.isFinite(r.level));
    const level = rows.length > 0 ? `${(rows[0]!.level * 100).toPrecision(4)}%` : '-';
    const how = o.correction === 'bh' ? 'Benjamini-Hochberg false-coverage level' : 'Bonferroni level';
    return `Welch interval of the log ratio over per-worker medians (n = workers), ${how} ${level} over ${rows.length} rows, α=${Number((o.alpha * o.alphaShare).toPrecision(2))}, threshold ${o.thresholdPct}%; change: ratio of geometric means of worker medians`;
  }
  const unit = o.testUnit === 'worker' ? 'over per-worker medians (n = workers)' : 'over raw samples';
  return `Mann-Whitney U ${unit}, ${o.correction === 'holm' ? 'Holm' : 'Benjamini-Hochberg'}-corrected over ${c.rows.filter((r) => Number.isFinite(r.pAdj)).length} rows, α=${o.alpha}, threshold ${o.thresholdPct}%; CI: ${Math.round(o.confidence * 100)}% bootstrap (workers, then samples) of the ratio of medians`;
}

/** Per suite: the metric tables worth printing, and the counters equal in every row (one line). */
function suiteSections(c: Comparison): { suite: string; tables: [string, RowResult[]][]; equal: string[] }[] {
  return [...blocks(c)].map(([suite, byMetric]) => {
    const tables: [string, RowResult[]][] = [];
    const equal: string[] = [];
    for (const [title, rows] of byMetric) {
      if (allEqualCounters(rows)) equal.push(`${rows[0]!.metric} (${rows.length})`);
      else tables.push([title, rows]);
    }
    return { suite, tables, equal };
  });
}

export function formatText(c: Comparison, notes: readonly string[], colour: boolean): string {
  const lines: string[] = [];
  const heads =
    c.mode === 'variants'
      ? [`run: ${c.head}   (each variant vs its suite's baseline)`]
      : [`base: ${c.base}`, `head: ${c.head}`];
  lines.push(...heads);
  for (const w of c.warnings) lines.push(paint(colour, 'yellow', `warning: ${w}`));
  for (const n of notes) lines.push(paint(colour, 'dim', `note: ${n}`));
  const gm = new Map(c.geomeans.map((g) => [g.scope, g]));
  for (const { suite, tables, equal } of suiteSections(c)) {
    for (const [title, rows] of tables) {
      const keep = columnsFor(rows);
      lines.push('', paint(colour, 'bold', `${suite} · ${title}`));
      const table = [HEADER, ...rows.map((r) => rowCells(r, colour))].map((cells) => keep.map((i) => cells[i]!));
      lines.push(...align(table, 2, visibleLength));
    }
    if (equal.length > 0) lines.push('', `${suite} · counters equal in every row: ${equal.join(', ')}`);
    const scopes = c.geomeans.filter((g) => g.scope === suite || g.scope.startsWith(suite + ' '));
    for (const g of scopes)
      lines.push(
        `geomean ${g.scope}: ${fmtPct((g.ratio - 1) * 100)} over ${g.n} timing rows (head/base ${g.ratio.toFixed(4)})`,
      );
  }
  const all = gm.get('all');
  if (all && c.geomeans.filter((g) => g.scope !== 'all').length > 1) {
    lines.push(`geomean all: ${fmtPct((all.ratio - 1) * 100)} over ${all.n} timing rows`);
  }
  lines.push('', tally(c), paint(colour, 'dim', optionsLine(c)), paint(colour, 'dim', SPREAD_LEGEND));
  return lines.join('\n') + '\n';
}

/** A Markdown table cell: no raw HTML, no pipe or newline that would break the table. */
function mdEscape(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\|/g, '\\|')
    .replace(/\r?\n/g, ' ');
}

export function formatMarkdown(c: Comparison, notes: readonly string[]): string {
  const lines: string[] = [];
  lines.push(
    c.mode === 'variants'
      ? `**run** \`${c.head}\`: each variant vs its suite's baseline`
      : `**base** \`${c.base}\` → **head** \`${c.head}\``,
    '',
  );
  for (const w of c.warnings) lines.push(`> ⚠️ ${mdEscape(w)}`);
  for (const n of notes) lines.push(`> ${mdEscape(n)}`);
  for (const { suite, tables, equal } of suiteSections(c)) {
    for (const [title, rows] of tables) {
      const keep = columnsFor(rows);
      lines.push('', `#### ${suite} · ${mdEscape(title)}`, '');
      lines.push(
        `| ${keep.map((i) => HEADER[i]).join(' | ')} |`,
        `| ${keep.map((i) => (i >= 2 && i <= 7 ? '---:' : '---')).join(' | ')} |`,
      );
      for (const r of rows) {
        const cells = rowCells(r, false).map(mdEscape);
        if (isRegression(r)) cells[8] = `**${cells[8]}**`;
        lines.push(`| ${keep.map((i) => cells[i]).join(' | ')} |`);
      }
    }
    if (equal.length > 0) lines.push('', `${suite} · counters equal in every row: ${equal.join(', ')}`);
  }
  lines.push('');
  for (const g of c.geomeans)
    lines.push(`- geomean ${mdEscape(g.scope)}: ${fmtPct((g.ratio - 1) * 100)} over ${g.n} timing rows`);
  lines.push('', `${tally(c)}. _${optionsLine(c)}; ${SPREAD_LEGEND}._`);
  return lines.join('\n') + '\n';
}

const CSV_COLUMNS = [
  'suite',
  'variant',
  'case',
  'metric',
  'unit',
  'kind',
  'base',
  'base_n',
  'base_status',
  'head',
  'head_n',
  'head_status',
  'ratio',
  'change_pct',
  'ci_lo_pct',
  'ci_hi_pct',
  'p',
  'p_adj',
  'aa_band_pct',
  'verdict',
  'reason',
  'better',
  'ci_level',
  'resolution',
  'modes',
] as const;

function num(v: number | undefined): string {
  return v === undefined || !Number.isFinite(v) ? '' : String(v);
}

export function formatCsv(c: Comparison): string {
  const pct = (r: number) => (Number.isFinite(r) ? (r - 1) * 100 : NaN);
  const records: string[][] = c.rows.map((r) => [
    r.suite,
    r.variant,
    r.case,
    r.metric,
    r.unit,
    r.kind,
    num(r.base?.value),
    num(r.base?.n),
    r.base?.status ?? '',
    num(r.head?.value),
    num(r.head?.n),
    r.head?.status ?? '',
    num(r.ratio),
    num(pct(r.ratio)),
    num(pct(r.ciLo)),
    num(pct(r.ciHi)),
    num(r.p),
    num(r.pAdj),
    num(r.aaBandPct),
    r.verdict,
    r.reason,
    r.better ?? '',
    num(r.level),
    r.resolution ?? '',
    r.mixture,
  ]);
  for (const g of c.geomeans) {
    const rec = CSV_COLUMNS.map(() => '');
    rec[0] = g.scope;
    rec[1] = 'geomean';
    rec[5] = 'geomean';
    rec[12] = num(g.ratio);
    rec[13] = num(pct(g.ratio));
    rec[19] = 'geomean';
    rec[20] = `${g.n} rows`;
    records.push(rec);
  }
  return stringify(records, { header: true, columns: [...CSV_COLUMNS], cast: { string: csvCell } });
}

export function formatJson(c: Comparison, notes: readonly string[], exitCode: number): string {
  // NaN is not JSON: write null where a statistic does not apply
  return (
    JSON.stringify(
      { ...c, notes, exit_code: exitCode },
      (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v),
      2,
    ) + '\n'
  );
}
