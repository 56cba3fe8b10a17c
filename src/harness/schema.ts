// The CSV schema: the one place that names the columns. Writers (the runner) and readers
// (compare, tests) both import these lists, so a renamed column is a compile error, not a
// silent mismatch between two commits' files. Bump SCHEMA when a column changes meaning.

export const SCHEMA = 'hvbench/1';

/** <suite>.csv: one tidy row per (suite, variant, case, metric). */
export const SUMMARY_COLUMNS = [
  'schema',
  'run_id',
  'commit',
  'dirty',
  'started_at',
  'host',
  'cpu',
  'cores',
  'node',
  'v8',
  'threads',
  'isolation',
  'suite',
  'variant',
  'case',
  'seed',
  'load',
  'metric',
  'unit',
  'kind',
  'n',
  'mean',
  'median',
  'p99',
  'min',
  'max',
  'sd',
  'rme',
  'status',
  // beyond the required set
  'profile',
  'rounds',
  'time_ms',
  'aa_band_pct',
  'spread_pct',
  'detail',
  // added later: readers accept files without them (OPTIONAL_SUMMARY_COLUMNS)
  'better',
  'modes',
  'cpu_some_pct',
  'steal_pct',
  'others_busy_cpus',
  'loadavg',
] as const;

/** Columns appended after the first hvbench/1 files: a reader treats them as empty when absent. */
export const OPTIONAL_SUMMARY_COLUMNS: readonly string[] = [
  'better',
  'modes',
  'cpu_some_pct',
  'steal_pct',
  'others_busy_cpus',
  'loadavg',
];

/** <suite>.samples.csv: every raw timing sample, with the keys that join it to its summary row. */
export const SAMPLE_COLUMNS = [
  'schema',
  'run_id',
  'suite',
  'variant',
  'case',
  'seed',
  'metric',
  'unit',
  'round',
  'replica',
  'index',
  'value',
] as const;

export type SummaryColumn = (typeof SUMMARY_COLUMNS)[number];
export type SampleColumn = (typeof SAMPLE_COLUMNS)[number];
export type SummaryRow = Record<SummaryColumn, string | number | boolean>;
export type SampleRow = Record<SampleColumn, string | number>;

/**
 * Row status:
 * - ok: gate passed, metric measured
 * - unsupported: the case is beyond the variant's capacity (a result, named in detail)
 * - gate-failed: the variant disagreed with the reference; never timed
 * - error: the variant threw; timeout: it did not finish in --task-timeout
 */
export type Status = 'ok' | 'unsupported' | 'gate-failed' | 'error' | 'timeout';
export const FAILED: ReadonlySet<string> = new Set(['gate-failed', 'error', 'timeout']);
