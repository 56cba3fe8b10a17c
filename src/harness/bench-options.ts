// The bench's options, declared once: `--help`, the README's option table (checked by
// test/harness/docs.test.ts) and the parser are all made from this table.
import type { OptionSpec } from './options.js';

export const BENCH_OPTIONS: readonly OptionSpec[] = [
  { name: 'suite', type: 'string', arg: 'S[,S]', multiple: true, help: 'suites to run', default: 'all' },
  {
    name: 'variant',
    type: 'string',
    arg: 'V[,V]',
    multiple: true,
    help: 'variants to run',
    default: 'all of each suite',
  },
  {
    name: 'case',
    type: 'string',
    arg: 'PATTERN',
    help: 'cases whose parameters match: comma-separated terms, `k=v` exact (`*` is a wildcard), a bare word a substring of the key',
    default: 'all',
  },
  { name: 'full', type: 'boolean', help: 'the larger grid instead of the default one', default: 'off' },
  { name: 'seed', type: 'string', arg: 'N', help: 'load seed, integer in [0, 2³²−1]', default: '1' },
  {
    name: 'threads',
    type: 'string',
    arg: 'N',
    help: 'tasks run in parallel; more than 1 lets them disturb each other (recorded in every row)',
    default: '1',
  },
  { name: 'rounds', type: 'string', arg: 'N', help: 'rounds per case', default: '3' },
  { name: 'time', type: 'string', arg: 'MS', help: 'timing budget per metric per task', default: '100' },
  {
    name: 'task-timeout',
    type: 'string',
    arg: 'MS',
    help: 'a task running longer is terminated and reported as `timeout`',
    default: '120000',
  },
  {
    name: 'out',
    type: 'string',
    arg: 'DIR',
    help: 'write here instead of `results/<commit>[-dirty][.N]/`; refused if it already holds a run',
  },
  {
    name: 'aa',
    type: 'boolean',
    help: 'measure every task twice, in two separate workers, and record the A/A noise band',
    default: 'off',
  },
  {
    name: 'dump-load',
    type: 'string',
    arg: 'FILE',
    help: "write the selected case's operation stream as CSV and exit (needs exactly one case)",
  },
  {
    name: 'load',
    type: 'string',
    arg: 'FILE',
    help: 'replay an operation stream CSV for the selected case instead of generating one',
  },
  {
    name: 'inject-slowdown',
    type: 'string',
    arg: 'V=PCT',
    help: "calibration: make variant V's timed calls PCT % slower with a busy wait inside the timed window, to learn the smallest change compare flags on a machine (recorded in the manifest)",
  },
  { name: 'list', type: 'boolean', help: 'list suites, variants (baseline marked) and cases, and exit' },
  { name: 'help', short: 'h', type: 'boolean', help: 'usage' },
];
