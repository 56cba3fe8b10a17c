// The compare command line. Everything after a bare `--` is passed to the bench when a side
// has to be measured in a worktree (e.g. `-- --suite evtchn --aa`).
import { parseArgs } from 'node:util';
import { InputError } from './errors.js';
import type { Format } from './format.js';
import { DEFAULTS, type CompareOptions } from './match.js';
import { DEFAULT_CHUNK_ARGS, DEFAULT_SINGLE_ARGS } from './resolve.js';

export interface Cli {
  readonly sides: string[];
  readonly variants: boolean;
  readonly baseline: string | undefined;
  readonly failOnRegression: boolean;
  readonly format: Format;
  readonly noRun: boolean;
  /** bench options given after `--`, or undefined to reuse the other side's */
  readonly benchArgs: string[] | undefined;
  /** bench runs per side, alternating, when compare measures both sides */
  readonly interleave: number;
  readonly compare: CompareOptions;
  readonly help: boolean;
}

export const USAGE = `usage: npm run compare -- BASE HEAD [options] [-- BENCH-OPTIONS]
       npm run compare -- RUN --variants [options]

BASE, HEAD and RUN are each a results folder, a <suite>.csv, or a git ref. A ref is
looked up in results/<commit12>[.N]/; without a stored run it is built and measured in a
temporary git worktree (kept under results/<commit12>/) unless --no-run.

  --fail-on regression    exit 1 on a significant slowdown beyond the threshold,
                          a counter that grew, or a failed gate in head
  --threshold PCT         smallest change reported, in percent (default ${DEFAULTS.thresholdPct})
  --alpha A               significance level after correction (default ${DEFAULTS.alpha})
  --correction holm|bh    multiple-comparison correction (default holm)
  --format text|md|csv|json   output (default text; colour on a terminal only)
  --no-run                never build or run the bench for a ref
  --allow-load-mismatch   compare rows measured on different seeds or load generators
  --strict-env            refuse runs from different machines, Node/V8, threads, isolation
  --variants              within one run: each variant against its suite's baseline
  --baseline V            baseline variant for --variants when the run does not name one
  --resamples N           bootstrap resamples per row (default ${DEFAULTS.resamples})
  --test-unit worker|sample   what the rank test compares: per-worker medians (default;
                          samples of one worker are not independent) or raw samples
  --interleave N          when both sides are measured: N bench runs per side, alternating
                          base, head, base, ... so that machine drift hits both (default 5)
  -- BENCH-OPTIONS        options for each bench run in a worktree (default: when both sides
                          are measured, ${DEFAULT_CHUNK_ARGS.join(' ')} per run; else the other side's
                          run's options, from its manifest, or ${DEFAULT_SINGLE_ARGS.join(' ')})

exit codes: 0 compared; 1 regression under --fail-on regression; 2 bad input`;

function number(name: string, v: string | undefined, lo: number, hi: number, fallback: number): number {
  if (v === undefined) return fallback;
  const x = Number(v);
  if (v.trim() === '' || !Number.isFinite(x) || x < lo || x > hi) {
    throw new InputError(`--${name} ${v}: expected a number in [${lo}, ${hi}]`);
  }
  return x;
}

export function parseCli(argv: readonly string[]): Cli {
  const dd = argv.indexOf('--');
  const own = dd < 0 ? [...argv] : argv.slice(0, dd);
  const benchArgs = dd < 0 ? undefined : argv.slice(dd + 1);
  let parsed;
  try {
    parsed = parseArgs({
      args: own,
      allowPositionals: true,
      strict: true,
      options: {
        'fail-on': { type: 'string' },
        threshold: { type: 'string' },
        alpha: { type: 'string' },
        correction: { type: 'string' },
        format: { type: 'string' },
        'no-run': { type: 'boolean' },
        'allow-load-mismatch': { type: 'boolean' },
        'strict-env': { type: 'boolean' },
        variants: { type: 'boolean' },
        baseline: { type: 'string' },
        resamples: { type: 'string' },
        'test-unit': { type: 'string' },
        interleave: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (e) {
    throw new InputError(`${(e as Error).message}\n${USAGE}`);
  }
  const v = parsed.values;
  const help = v.help === true;
  const failOn = v['fail-on'];
  if (failOn !== undefined && failOn !== 'regression')
    throw new InputError(`--fail-on ${failOn}: the only choice is 'regression'`);
  const format = (v.format ?? 'text') as Format;
  if (!['text', 'md', 'csv', 'json'].includes(format))
    throw new InputError(`--format ${v.format}: choose text, md, csv or json`);
  const correction = v.correction ?? 'holm';
  if (correction !== 'holm' && correction !== 'bh')
    throw new InputError(`--correction ${correction}: choose holm or bh`);
  const testUnit = v['test-unit'] ?? 'worker';
  if (testUnit !== 'worker' && testUnit !== 'sample')
    throw new InputError(`--test-unit ${testUnit}: choose worker or sample`);
  const variants = v.variants === true;
  const sides = parsed.positionals;
  if (!help) {
    if (variants && sides.length !== 1) throw new InputError(`--variants takes one run, got ${sides.length}\n${USAGE}`);
    if (!variants && sides.length !== 2)
      throw new InputError(
        `expected BASE and HEAD, got ${sides.length} argument${sides.length === 1 ? '' : 's'}\n${USAGE}`,
      );
  }
  return {
    sides,
    variants,
    baseline: v.baseline,
    failOnRegression: failOn === 'regression',
    format,
    noRun: v['no-run'] === true,
    benchArgs,
    interleave: Math.round(number('interleave', v.interleave, 1, 100, 5)),
    help,
    compare: {
      ...DEFAULTS,
      alpha: number('alpha', v.alpha, 1e-12, 0.5, DEFAULTS.alpha),
      thresholdPct: number('threshold', v.threshold, 0, 1e6, DEFAULTS.thresholdPct),
      correction,
      resamples: Math.round(number('resamples', v.resamples, 100, 1e6, DEFAULTS.resamples)),
      allowLoadMismatch: v['allow-load-mismatch'] === true,
      strictEnv: v['strict-env'] === true,
      testUnit,
    },
  };
}
