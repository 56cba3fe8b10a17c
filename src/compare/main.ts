// `npm run compare -- BASE HEAD`: what changed between two runs, with statistics a reader
// can trust, and an exit code CI can gate on. See USAGE in args.ts and docs/ci.md.
import { realpathSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseCli, USAGE, type Cli } from './args.js';
import { EXIT, InputError, Interrupted } from '../harness/exit.js';
import { formatCsv, formatJson, formatMarkdown, formatText } from './format.js';
import { checkEnv } from './checks.js';
import { judgePairs } from './judge.js';
import { pairRuns, pairVariants } from './pair.js';
import { regressions } from './summary.js';
import type { Comparison } from './types.js';
import type { Run } from './read.js';
import { resolveSides } from './resolve.js';
import { untilResolved } from './until-run.js';

export interface Io {
  readonly cwd: string;
  readonly out: (s: string) => void;
  readonly err: (s: string) => void;
  readonly colour: boolean;
  /** aborted on SIGINT or SIGTERM */
  readonly stop?: AbortSignal;
}

/** The baseline variant of each suite: the run's manifest (written by the bench), or --baseline. */
function baselines(run: Run, cli: Cli): (suite: string) => string {
  const suites = [...new Set(run.rows.map((r) => r.suite))];
  const found = new Map<string, string>();
  for (const s of suites) {
    const b = run.manifest?.baselines?.[s] ?? cli.baseline;
    const variants = [...new Set(run.rows.filter((r) => r.suite === s).map((r) => r.variant))];
    if (b === undefined)
      throw new InputError(
        `suite ${s}: no baseline variant known (the manifest names none); pass --baseline, one of ${variants.join(', ')}`,
      );
    if (!variants.includes(b))
      throw new InputError(
        `suite ${s}: baseline variant '${b}' has no rows in ${run.source} (variants: ${variants.join(', ')})`,
      );
    found.set(s, b);
  }
  return (suite) => found.get(suite)!;
}

export async function compareMain(argv: readonly string[], io: Io): Promise<number> {
  let cli: Cli;
  try {
    cli = parseCli(argv);
    if (cli.help) {
      io.out(USAGE + '\n');
      return EXIT.ok;
    }
    let comparison: Comparison;
    let notes: string[];
    const opts = {
      cwd: io.cwd,
      noRun: cli.noRun,
      benchArgs: cli.benchArgs,
      interleave: cli.interleave,
      log: (s: string) => io.err(s + '\n'),
      ...(io.stop ? { stop: io.stop } : {}),
    };
    if (cli.variants) {
      const [run] = await resolveSides(cli.sides, opts);
      const pairs = pairVariants(run!, baselines(run!, cli));
      comparison = judgePairs(pairs, { base: run!.label, head: run!.label, mode: 'variants' }, cli.compare);
      notes = run!.notes;
    } else {
      const started = Date.now();
      const [base, head] = (await resolveSides(cli.sides, opts)) as [Run, Run];
      const firstMs = Date.now() - started;
      const judgeSides = (base: Run, head: Run, alphaShare: number): Comparison => {
        const warnings: string[] = [];
        const real = (spec: string) => {
          try {
            return realpathSync(resolvePath(io.cwd, spec));
          } catch {
            return undefined; // a ref
          }
        };
        const [rb, rh] = cli.sides.map(real);
        if (rb !== undefined && rb === rh) {
          warnings.push(
            `both sides are the same run (${base.source}): every change is zero by construction; an A/A comparison needs two runs`,
          );
        }
        checkEnv(base, head, cli.compare, warnings);
        return judgePairs(
          pairRuns(base, head),
          { base: `${base.label} (${base.source})`, head: `${head.label} (${head.source})`, mode: 'runs' },
          { ...cli.compare, alphaShare },
          warnings,
        );
      };
      comparison = cli.untilResolved
        ? await untilResolved([base, head], judgeSides, {
            ...(io.stop ? { stop: io.stop } : {}),
            cwd: io.cwd,
            specs: [cli.sides[0]!, cli.sides[1]!],
            benchArgs: cli.benchArgs,
            budgetMs: cli.budgetS * 1000,
            startedMs: started,
            runMsEstimate: firstMs / Math.max(1, 2 * cli.interleave),
            log: opts.log,
          })
        : judgeSides(base, head, 1);
      notes = [...base.notes, ...head.notes];
    }
    if (io.stop?.aborted) throw new Interrupted('interrupted');
    const bad = regressions(comparison);
    const code = cli.failOnRegression && bad.length > 0 ? EXIT.failed : EXIT.ok;
    switch (cli.format) {
      case 'text':
        io.out(formatText(comparison, notes, io.colour));
        break;
      case 'md':
        io.out(formatMarkdown(comparison, notes));
        break;
      case 'csv':
        for (const w of [...comparison.warnings, ...notes]) io.err(`compare: ${w}\n`);
        io.out(formatCsv(comparison));
        break;
      case 'json':
        io.out(formatJson(comparison, notes, code));
        break;
    }
    if (code === EXIT.failed) {
      const list = bad.slice(0, 5).map((r) => `${r.suite} ${r.variant} ${r.case} ${r.metric}: ${r.verdict}`);
      io.err(
        `compare: ${bad.length} regression${bad.length > 1 ? 's' : ''} (--fail-on regression): ${list.join('; ')}${bad.length > 5 ? '; …' : ''}\n`,
      );
    }
    return code;
  } catch (e) {
    if (e instanceof Interrupted) {
      io.err(`compare: ${e.message}; the worktrees are removed, runs made so far are kept\n`);
      return EXIT.interrupted;
    }
    if (e instanceof InputError) {
      io.err(`compare: ${e.message}\n`);
      return EXIT.badInput;
    }
    io.err(`compare: internal error: ${(e as Error).stack ?? String(e)}\n`);
    return EXIT.badInput;
  }
}

const invoked = process.argv[1] !== undefined && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href;
if (invoked) {
  const colour =
    process.env['FORCE_COLOR'] !== undefined
      ? process.env['FORCE_COLOR'] !== '0'
      : process.stdout.isTTY === true && process.env['NO_COLOR'] === undefined;
  // a signal to compare (Ctrl-C, a CI cancel, `timeout`) is passed on to the bench it runs,
  // which ends its run honestly; compare waits for it and removes its worktrees
  const stop = new AbortController();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (stop.signal.aborted) process.exit(EXIT.interrupted);
      process.stderr.write(`\ncompare: ${signal}: stopping the bench and removing worktrees (again to exit now)\n`);
      stop.abort();
    });
  }
  const code = await compareMain(process.argv.slice(2), {
    cwd: process.cwd(),
    out: (s) => process.stdout.write(s),
    err: (s) => process.stderr.write(s),
    colour,
    stop: stop.signal,
  });
  process.exitCode = code;
}
