// A load as a CSV file: --dump-load writes a case's operation stream, --load replays one,
// so that a trace recorded elsewhere can be fed through the same variants and gate.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import type { LoadRow } from './suite.js';

export function writeLoadCsv(file: string, rows: readonly LoadRow[]): void {
  if (rows.length === 0) throw new Error('the load has no operations to dump');
  const columns = Object.keys(rows[0]!);
  writeFileSync(file, stringify(rows as LoadRow[], { header: true, columns }));
}

export function readLoadCsv(file: string): Record<string, string>[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new Error(`--load ${file}: cannot read it (${(e as Error).message})`);
  }
  const rows = parse(text, { columns: true, skip_empty_lines: true }) as Record<string, string>[];
  if (rows.length === 0)
    throw new Error(`--load ${file}: no operations in it (expected a header line and one row per operation)`);
  return rows;
}

/** Recorded in the `load` column: which file, and which exact bytes. */
export function loadFileId(file: string): string {
  const sha = createHash('sha256').update(readFileSync(file)).digest('hex').slice(0, 12);
  return `file:${basename(file)}@${sha}`;
}
