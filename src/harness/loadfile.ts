// A load as a CSV file: --dump-load writes a case's operation stream, --load replays one,
// so that a trace recorded elsewhere can be fed through the same variants and gate.
// --load is read once, validated whole before any run folder exists, hashed, and the same
// text is handed to every task: a file replaced mid-run cannot give two streams one id.
import { createHash } from 'node:crypto';
import { lstatSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { InputError, WriteError } from './exit.js';
import type { LoadCodec, LoadRow, Params } from './suite.js';

/** Errors that mean "this path cannot be written as given", as opposed to a full disk. */
const PATH_ERRORS = new Set(['EACCES', 'EPERM', 'ENOENT', 'ENOTDIR', 'EISDIR', 'EROFS', 'ELOOP', 'ENAMETOOLONG']);

/** Turns a file-system error into a user's error (a bad path: exit 2) or a write failure (exit 3). */
export function writeFailure(what: string, path: string, e: unknown): Error {
  const code = (e as NodeJS.ErrnoException).code ?? '';
  const msg = `${what} ${path}: cannot write it (${code || (e as Error).message})`;
  return PATH_ERRORS.has(code) ? new InputError(msg) : new WriteError(msg);
}

/**
 * Writes the stream to `file` through a temporary file beside it and a rename, so that a
 * reader never sees half a file; an existing path (a file, a symlink, anything) is refused
 * unless `force`, and a folder always.
 */
export function writeLoadCsv(file: string, rows: readonly LoadRow[], force = false): void {
  if (rows.length === 0) throw new InputError('the load has no operations to dump');
  let existing: ReturnType<typeof lstatSync> | undefined;
  try {
    existing = lstatSync(file);
  } catch {
    existing = undefined;
  }
  if (existing?.isDirectory()) throw new InputError(`--dump-load ${file}: is a folder; name a file`);
  if (existing && !force)
    throw new InputError(`--dump-load ${file}: already exists; nothing was written (pass --force to replace it)`);
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.partial`);
  try {
    writeFileSync(tmp, loadCsvText(rows), { flag: 'wx' });
    renameSync(tmp, file); // replaces a symlink itself, never the file it points to
  } catch (e) {
    rmSync(tmp, { force: true });
    throw writeFailure('--dump-load', file, e);
  }
}

function loadCsvText(rows: readonly LoadRow[]): string {
  return stringify(rows as LoadRow[], { header: true, columns: Object.keys(rows[0]!) });
}

/** The records of a load CSV's text (a UTF-8 BOM is accepted). */
export function parseLoadText(text: string): Record<string, string>[] {
  return parse(text.replace(/^\uFEFF/, ''), { columns: true, skip_empty_lines: true }) as Record<string, string>[];
}

export interface LoadFile {
  /** the exact text read, handed to every task */
  readonly text: string;
  /** recorded in the `load` column: which file, and which exact bytes */
  readonly id: string;
}

/**
 * Reads and validates a --load file for one case: it must parse, have operations, and every
 * value must read back as itself through the suite's codec (so '', 0x10 or 1e1 where an
 * integer belongs are refused, naming line and column, instead of silently becoming 0 or 16).
 */
export function readLoadFile(file: string, codec: LoadCodec<unknown>, params: Params): LoadFile {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new InputError(
      `--load ${file}: cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
    );
  }
  const text = bytes.toString('utf8');
  let rows: Record<string, string>[];
  try {
    rows = parseLoadText(text);
  } catch (e) {
    throw new InputError(`--load ${file}: not valid CSV (${(e as Error).message})`);
  }
  if (rows.length === 0)
    throw new InputError(`--load ${file}: no operations in it (expected a header line and one row per operation)`);
  let canon: Record<string, string>[];
  try {
    // the values as --dump-load would write them back: each cell must be in that form
    const back = codec.toRows(codec.fromRows(rows, params));
    canon = back.length === 0 ? [] : parseLoadText(loadCsvText(back));
  } catch (e) {
    throw new InputError(`--load ${file}: not a load of this case (${(e as Error).message})`);
  }
  if (canon.length !== rows.length)
    throw new InputError(`--load ${file}: ${rows.length} rows read, but they make ${canon.length} operations`);
  rows.forEach((r, i) => {
    const c = canon[i]!;
    for (const [col, v] of Object.entries(r)) {
      if (!(col in c))
        throw new InputError(`--load ${file}: unknown column '${col}' (expected ${Object.keys(c).join(', ')})`);
      if (c[col] !== v)
        throw new InputError(
          `--load ${file}: line ${i + 2}, column ${col}: '${v}' is not a valid value (it would be read as '${c[col]}')`,
        );
    }
  });
  const sha = createHash('sha256').update(bytes).digest('hex').slice(0, 12);
  return { text, id: `file:${basename(file)}@${sha}` };
}
