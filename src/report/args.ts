// The report's command line: `npm run report -- [RUN|FOLDER|REF …] [--out FILE]`.
import { parseArgs } from 'node:util';
import { BadInput } from './errors.js';

export const USAGE = `usage: npm run report -- [RUN|FOLDER|REF …] [--out FILE]

Writes one self-contained HTML page: the newest of the runs named in detail (per suite and
case: ratios to the baseline with intervals and one dot per worker, counters, gate status,
the explorer's shortest counterexamples), and, when the runs span two commits or more, their
history in git order with change points.

  RUN        a run folder (results/<commit12>[.N]/)
  FOLDER     a folder of run folders (e.g. results/)
  REF        a git ref: every stored run of its commit (results/<commit12>*/)
             with none: every run in results/
  --out FILE where to write the page (default results/report.html)
  -h, --help this text

exit codes: 0 written; 2 bad input`;

export interface Cli {
  readonly specs: string[];
  readonly out: string | undefined;
  readonly help: boolean;
}

export function parseCli(argv: readonly string[]): Cli {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: { out: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (e) {
    throw new BadInput(`${(e as Error).message}; the options are --out FILE and --help`);
  }
  const out = parsed.values.out;
  if (out !== undefined && (out.trim() === '' || out.endsWith('/'))) {
    throw new BadInput(`--out '${out}': expected a file name such as results/report.html`);
  }
  return { specs: parsed.positionals, out, help: parsed.values.help === true };
}
