// What a row of a run must be before compare believes it: every corrupt value is an input
// error (exit 2) naming the file, the line and the column, never a verdict. A NaN counter
// would otherwise show as "counter fell", an unknown status as "unsupported", a header-only
// file as "only in base", and a duplicate row would be settled silently by row order.
import { InputError } from '../harness/exit.js';

export const STATUSES: ReadonlySet<string> = new Set(['ok', 'unsupported', 'gate-failed', 'error', 'timeout']);
export const KINDS: ReadonlySet<string> = new Set(['timing', 'counter', 'gauge']);

/** A decimal number as the harness writes it (JavaScript's String(number)); '' is not one. */
export function decimal(s: string | undefined): number {
  if (s === undefined || !/^-?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(s.trim())) return NaN;
  return Number(s);
}

export interface Located {
  readonly rec: Record<string, string>;
  readonly line: number;
}

function bad(file: string, line: number, column: string, value: string | undefined, want: string): InputError {
  return new InputError(`${file}: line ${line}, column ${column}: '${value ?? ''}' is not ${want}`);
}

/** Checks the summary rows of one <suite>.csv. */
export function checkSummary(file: string, rows: readonly Located[]): void {
  if (rows.length === 0) throw new InputError(`${file}: no rows, only a header (an empty or cut-short run)`);
  const seen = new Map<string, number>();
  for (const { rec, line } of rows) {
    const status = rec['status'];
    if (!STATUSES.has(status ?? '')) throw bad(file, line, 'status', status, `a status (${[...STATUSES].join(', ')})`);
    if (!KINDS.has(rec['kind'] ?? '')) throw bad(file, line, 'kind', rec['kind'], `a kind (${[...KINDS].join(', ')})`);
    if (status === 'ok') {
      for (const col of ['n', 'mean', 'median']) {
        if (!Number.isFinite(decimal(rec[col]))) throw bad(file, line, col, rec[col], 'a number');
      }
      if (rec['kind'] === 'timing' && !(decimal(rec['median']) > 0))
        throw bad(file, line, 'median', rec['median'], 'a positive time');
    }
    const key = ['suite', 'variant', 'case', 'metric'].map((c) => rec[c]).join(' ');
    const first = seen.get(key);
    if (first !== undefined)
      throw new InputError(`${file}: line ${line} repeats the row of line ${first} (${key}): which one is the result?`);
    seen.set(key, line);
  }
}

/** Checks one timing sample: a finite, positive time. */
export function checkSample(file: string, { rec, line }: Located): number {
  const v = decimal(rec['value']);
  if (!(v > 0) || !Number.isFinite(v)) throw bad(file, line, 'value', rec['value'], 'a positive, finite time');
  return v;
}
