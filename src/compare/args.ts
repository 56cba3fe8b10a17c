// The compare command line. Everything after a bare `--` is passed to the bench when a side
// has to be measured in a worktree (e.g. `-- --suite evtchn --aa`).
import { exitLines, InputError } from '../harness/exit.js';
import { choiceOption, helpLines, numberOption, type OptionSpec, parseOptions } from '../harness/options.js';
import type { Format } from './format.js';
import { DEFAULTS, type CompareOptions } from './types.js';
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
  /** --until-resolved: keep adding interleaved runs until every row settles, within --budget seconds */
  readonly untilResolved: boolean;
  readonly budgetS: number;
  readonly help: boolean;
}

/** compare's options, declared once: the parser, USAGE and docs/ci.md's option table come from it. */
export const COMPARE_OPTIONS: readonly OptionSpec[] = [
  {
    name: 'fail-on',
    type: 'string',
    arg: 'regression',
    help: 'exit 1 on a change the worse way beyond the threshold (a slower timing, a counter against its declared direction) or a failed gate in head',
  },
  {
    name: 'threshold',
    type: 'string',
    arg: 'PCT',
    help: 'smallest change reported, in percent',
    default: String(DEFAULTS.thresholdPct),
  },
  {
    name: 'alpha',
    type: 'string',
    arg: 'A',
    help: 'significance level after correction',
    default: String(DEFAULTS.alpha),
  },
  {
    name: 'decision',
    type: 'string',
    arg: 'interval|mwu',
    help: 'how a timing is judged: Welch intervals of the log ratio over worker medians with false-coverage control, or the older Mann-Whitney test',
    default: DEFAULTS.decision,
  },
  {
    name: 'correction',
    type: 'string',
    arg: 'holm|bh',
    help: 'multiple-comparison correction (holm: Bonferroni intervals under --decision interval)',
    default: 'bh (interval), holm (mwu)',
  },
  {
    name: 'until-resolved',
    type: 'boolean',
    help: 'when both sides are refs: add interleaved base/head runs for the rows still open until each interval lies inside or outside ±threshold, or --budget ends',
  },
  {
    name: 'budget',
    type: 'string',
    arg: 'SEC',
    help: 'time budget of --until-resolved, in seconds, counted from the start (0: judge once, open rows undecided)',
    default: '600',
  },
  {
    name: 'format',
    type: 'string',
    arg: 'text|md|csv|json',
    help: 'output (colour on a terminal only)',
    default: 'text',
  },
  { name: 'no-run', type: 'boolean', help: 'never build or run the bench for a ref' },
  { name: 'allow-load-mismatch', type: 'boolean', help: 'compare rows measured on different seeds or load generators' },
  { name: 'strict-env', type: 'boolean', help: 'refuse runs from different machines, Node/V8, threads, isolation' },
  { name: 'variants', type: 'boolean', help: "within one run: each variant against its suite's baseline" },
  {
    name: 'baseline',
    type: 'string',
    arg: 'V',
    help: 'baseline variant for --variants when the run does not name one',
  },
  {
    name: 'resamples',
    type: 'string',
    arg: 'N',
    help: 'bootstrap resamples per row',
    default: String(DEFAULTS.resamples),
  },
  {
    name: 'test-unit',
    type: 'string',
    arg: 'worker|sample',
    help: 'what the rank test compares: per-worker medians (samples of one worker are not independent) or raw samples',
    default: DEFAULTS.testUnit,
  },
  {
    name: 'interleave',
    type: 'string',
    arg: 'N',
    help: 'when both sides are measured: N bench runs per side, alternating base, head, base, … so that machine drift hits both',
    default: '5',
  },
  { name: 'help', short: 'h', type: 'boolean', help: 'usage' },
];

export const USAGE = `usage: npm run compare -- BASE HEAD [options] [-- BENCH-OPTIONS]
       npm run compare -- RUN --variants [options]

BASE, HEAD and RUN are each a results folder, a <suite>.csv, or a git ref. A ref is
looked up in results/<commit12>[.N]/; without a stored run it is built and measured in a
temporary git worktree (kept under results/<commit12>/) unless --no-run.

${helpLines(COMPARE_OPTIONS)}
  -- BENCH-OPTIONS    options for each bench run in a worktree (default: when both sides
                      are measured, ${DEFAULT_CHUNK_ARGS.join(' ')} per run; else the other side's
                      run's options, from its manifest, or ${DEFAULT_SINGLE_ARGS.join(' ')})

${exitLines()}`;

export function parseCli(argv: readonly string[]): Cli {
  const dd = argv.indexOf('--');
  const own = dd < 0 ? [...argv] : argv.slice(0, dd);
  const benchArgs = dd < 0 ? undefined : argv.slice(dd + 1);
  let parsed: ReturnType<typeof parseOptions>;
  try {
    parsed = parseOptions(COMPARE_OPTIONS, own, true);
  } catch (e) {
    throw new InputError(`${(e as Error).message}\n${USAGE}`);
  }
  const v = parsed.values as Record<string, string | undefined> &
    Record<
      'help' | 'no-run' | 'allow-load-mismatch' | 'strict-env' | 'variants' | 'until-resolved',
      boolean | undefined
    >;
  const help = v.help === true;
  const failOn = v['fail-on'];
  if (failOn !== undefined && failOn !== 'regression')
    throw new InputError(`--fail-on ${failOn}: the only choice is 'regression'`);
  const format = choiceOption<Format>('format', v.format, ['text', 'md', 'csv', 'json'], 'text');
  const decision = choiceOption('decision', v.decision, ['interval', 'mwu'] as const, DEFAULTS.decision);
  const correction = choiceOption(
    'correction',
    v.correction,
    ['holm', 'bh'] as const,
    decision === 'mwu' ? 'holm' : 'bh',
  );
  const testUnit = choiceOption('test-unit', v['test-unit'], ['worker', 'sample'] as const, 'worker');
  const variants = v.variants === true;
  const sides = parsed.positionals;
  if (!help) {
    if (variants && sides.length !== 1) throw new InputError(`--variants takes one run, got ${sides.length}\n${USAGE}`);
    if (!variants && sides.length !== 2)
      throw new InputError(
        `expected BASE and HEAD, got ${sides.length} argument${sides.length === 1 ? '' : 's'}\n${USAGE}`,
      );
  }
  if (v['until-resolved'] === true) {
    if (variants) throw new InputError('--until-resolved compares two refs; it cannot be used with --variants');
    if (v['no-run'] === true)
      throw new InputError('--until-resolved measures more runs; it cannot be used with --no-run');
    if (decision !== 'interval')
      throw new InputError('--until-resolved needs --decision interval (it stops on intervals)');
  }
  return {
    sides,
    variants,
    baseline: v.baseline,
    failOnRegression: failOn === 'regression',
    format,
    noRun: v['no-run'] === true,
    benchArgs,
    interleave: Math.round(numberOption('interleave', v.interleave, 1, 100, 5)),
    help,
    untilResolved: v['until-resolved'] === true,
    budgetS: numberOption('budget', v.budget, 0, 1e6, 600),
    compare: {
      ...DEFAULTS,
      alpha: numberOption('alpha', v.alpha, 1e-12, 0.5, DEFAULTS.alpha),
      thresholdPct: numberOption('threshold', v.threshold, 0, 1e6, DEFAULTS.thresholdPct),
      correction,
      resamples: Math.round(numberOption('resamples', v.resamples, 100, 1e6, DEFAULTS.resamples)),
      allowLoadMismatch: v['allow-load-mismatch'] === true,
      strictEnv: v['strict-env'] === true,
      testUnit,
      decision,
    },
  };
}
