// `npm run report`: one HTML page of the newest run and of the stored history. See USAGE.
import { mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseCli, USAGE } from './args.js';
import { BadInput, EXIT_BAD_INPUT } from './errors.js';
import { gather } from './gather.js';
import { buildReport, type QuestionOf } from './report.js';

export interface Io {
  readonly cwd: string;
  readonly out: (s: string) => void;
  readonly err: (s: string) => void;
}

/** The suite's question from this checkout's registry, for runs whose manifest does not carry it. */
export const registryQuestion: QuestionOf = async (suite) => {
  try {
    const reg = (await import(new URL('../../bench/suites.js', import.meta.url).href)) as {
      SUITES?: Record<string, string>;
    };
    const url = reg.SUITES?.[suite];
    if (url === undefined) return undefined;
    const mod = (await import(url)) as { default?: { question?: unknown } };
    return typeof mod.default?.question === 'string' ? mod.default.question : undefined;
  } catch {
    return undefined;
  }
};

export async function reportMain(argv: readonly string[], io: Io, questionOf = registryQuestion): Promise<number> {
  try {
    const cli = parseCli(argv);
    if (cli.help) {
      io.out(USAGE + '\n');
      return 0;
    }
    const g = gather(cli.specs, io.cwd);
    const built = await buildReport(g, questionOf);
    const out = resolve(io.cwd, cli.out ?? join(g.root ?? io.cwd, 'results', 'report.html'));
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, built.html);
    for (const n of built.notes) io.err(`report: ${n}\n`);
    io.out(
      `report: ${out} (${(built.html.length / 1024).toFixed(0)} KiB): run ${built.run}, ${built.suites} suites, ${built.cases} cases; history of ${built.commits} commit${built.commits === 1 ? '' : 's'}, ${built.changePoints} change point${built.changePoints === 1 ? '' : 's'}\n`,
    );
    return 0;
  } catch (e) {
    if (e instanceof BadInput) {
      io.err(`report: ${e.message}\n${USAGE.split('\n')[0]}\n`);
      return EXIT_BAD_INPUT;
    }
    throw e;
  }
}

const self = process.argv[1] === undefined ? '' : pathToFileURL(realpathSync(process.argv[1])).href;
if (import.meta.url === self) {
  process.exitCode = await reportMain(process.argv.slice(2), {
    cwd: process.cwd(),
    out: (s) => process.stdout.write(s),
    err: (s) => process.stderr.write(s),
  });
}
