// Writing a run. Rows stream through csv-stringify into `<file>.partial` as cases finish;
// only a completed suite is renamed to its final name, so a run cut short (Ctrl-C, crash)
// leaves files that say they are partial, never a truncated file that looks complete.
// Which folder a run goes to, and its manifest, are in rundir.ts.
import { createWriteStream, renameSync } from 'node:fs';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { stringify, type Stringifier } from 'csv-stringify';
import { SAMPLE_COLUMNS, SUMMARY_COLUMNS, type SampleRow, type SummaryRow } from './schema.js';

class CsvFile {
  private readonly csv: Stringifier;
  private readonly done: Promise<void>;

  constructor(
    readonly path: string,
    columns: readonly string[],
  ) {
    const out = createWriteStream(path + '.partial');
    this.csv = stringify({ header: true, columns: [...columns], cast: { boolean: (b) => (b ? 'true' : 'false') } });
    this.csv.pipe(out);
    this.done = finished(out);
  }

  write(row: object): void {
    this.csv.write(row);
  }

  async close(complete: boolean): Promise<void> {
    this.csv.end();
    await this.done;
    if (complete) renameSync(this.path + '.partial', this.path);
  }
}

export class SuiteWriter {
  private readonly summary: CsvFile;
  private readonly samples: CsvFile;

  constructor(dir: string, suite: string) {
    this.summary = new CsvFile(join(dir, `${suite}.csv`), SUMMARY_COLUMNS);
    this.samples = new CsvFile(join(dir, `${suite}.samples.csv`), SAMPLE_COLUMNS);
  }

  row(r: SummaryRow): void {
    this.summary.write(r);
  }

  sample(r: SampleRow): void {
    this.samples.write(r);
  }

  async close(complete: boolean): Promise<void> {
    await Promise.all([this.summary.close(complete), this.samples.close(complete)]);
  }
}
