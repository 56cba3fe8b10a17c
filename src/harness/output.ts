// Writing a run. Samples stream through csv-stringify into `<file>.partial` as each task
// finishes, summary rows as each case does; only when every file of the run is complete are
// they renamed to their final names, so a run cut short (a signal, a crash, a full disk)
// leaves files that say they are partial, never a truncated file that looks complete.
// A write error (ENOSPC, EIO) is caught and kept, never an unhandled rejection: the runner
// stops, and the run ends with exit code 3 naming the file. Which folder a run goes to, and
// its manifest, are in rundir.ts.
import { createWriteStream, renameSync } from 'node:fs';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { stringify, type Stringifier } from 'csv-stringify';
import { csvCell } from './csvcell.js';
import { SAMPLE_COLUMNS, SUMMARY_COLUMNS, type SampleRow, type SummaryRow } from './schema.js';

/** Opens a file for writing; injectable so that tests can simulate a full disk. */
export type OpenWrite = (path: string) => Writable;
const openFile: OpenWrite = (path) => createWriteStream(path);

class CsvFile {
  private readonly csv: Stringifier;
  private readonly done: Promise<void>;
  /** the first write error, with the file it happened to */
  error: Error | undefined;

  constructor(
    readonly path: string,
    columns: readonly string[],
    open: OpenWrite,
  ) {
    const out = open(path + '.partial');
    this.csv = stringify({
      header: true,
      columns: [...columns],
      cast: { boolean: (b) => (b ? 'true' : 'false'), string: csvCell },
    });
    this.csv.pipe(out);
    const fail = (e: Error) => {
      this.error ??= Object.assign(new Error(`${path}.partial: ${(e as NodeJS.ErrnoException).code ?? e.message}`), {
        cause: e,
      });
    };
    this.csv.on('error', fail);
    out.on('error', fail);
    this.done = finished(out).catch(fail);
  }

  write(row: object): void {
    if (this.error === undefined) this.csv.write(row);
  }

  /** Flushes and closes the .partial file; resolves (never rejects) once it is on disk or failed. */
  async end(): Promise<void> {
    this.csv.end();
    await this.done;
  }

  /** Gives the file its final name: only once every file of the run ended without error. */
  commit(): void {
    renameSync(this.path + '.partial', this.path);
  }
}

export class SuiteWriter {
  private readonly summary: CsvFile;
  private readonly samples: CsvFile;

  constructor(dir: string, suite: string, open: OpenWrite = openFile) {
    this.summary = new CsvFile(join(dir, `${suite}.csv`), SUMMARY_COLUMNS, open);
    this.samples = new CsvFile(join(dir, `${suite}.samples.csv`), SAMPLE_COLUMNS, open);
  }

  row(r: SummaryRow): void {
    this.summary.write(r);
  }

  sample(r: SampleRow): void {
    this.samples.write(r);
  }

  /** The first write error of either file, if any. */
  get error(): Error | undefined {
    return this.summary.error ?? this.samples.error;
  }

  async end(): Promise<void> {
    await Promise.all([this.summary.end(), this.samples.end()]);
  }

  commit(): void {
    this.summary.commit();
    this.samples.commit();
  }
}
