// The contract between the harness and a suite. The harness knows nothing of Xen: it only
// knows that a suite has variants, a grid of cases, a seeded load, a reference to check
// against, and bodies to time. A suite knows nothing of workers or CSV; it reaches the
// harness through src/harness/kit.ts only.

export type ParamValue = number | string | boolean;
export type Params = Readonly<Record<string, ParamValue>>;

/** A row of an operation stream, as written by --dump-load and read back by --load. */
export type LoadRow = Readonly<Record<string, ParamValue>>;

export type Profile = 'default' | 'full';

/** How a metric's value is obtained, which decides how it may be compared. */
export type MetricKind =
  /** statistics over timing samples: compare with a significance test */
  | 'timing'
  /** deterministic: exact across runs and machines; any change means the algorithm changed */
  | 'counter'
  /** measured once but not deterministic (e.g. warps seen on real threads) */
  | 'gauge';

/**
 * A single value a variant reports for a case. Returned by `counters()` it is exact
 * (deterministic: any change means the model changed, and the golden file shows it);
 * returned by `gauges()` it was observed and depends on scheduling.
 */
export interface Counter {
  readonly metric: string;
  readonly unit: string;
  readonly value: number;
  /** free text carried into the CSV, e.g. a shortest counterexample */
  readonly detail?: string;
  /** which way is an improvement (capacity: higher; words read: lower); none: a change is flagged, never a regression */
  readonly better?: 'higher' | 'lower';
}

/**
 * One timed body. The harness calls `setup()` untimed, then `run()` timed, once per sample;
 * the sample is the time of `run()` divided by `ops`. `run` returns a number that the
 * harness keeps, so that the work cannot be eliminated as dead code.
 */
export interface Timed {
  readonly metric: string;
  /** which way is an improvement; default 'lower' (a time per operation) */
  readonly better?: 'higher' | 'lower';
  /** unit of one sample after division, e.g. 'ns/event' */
  readonly unit: string;
  /** operations performed by one call of run() */
  readonly ops: number;
  /** what one call of run() does, carried into the CSV row's detail */
  readonly detail?: string;
  setup?(): void;
  run(): number;
  /**
   * The same loop over the same input with the model's work taken out (e.g. summing the pfns
   * instead of looking them up), `ops` operations a call. The harness times it beside run()
   * and reports its cost per operation as the gauge `<metric>_harness`: what the loop, the
   * call and the clock add to every figure of this metric.
   */
  empty?(): number;
}

/** Outcome of the correctness gate: the variant's observable output against the reference. */
export type Gate =
  | { readonly ok: true; readonly checked: number }
  | {
      readonly ok: false;
      /** index of the first operation (or observation) that differs */
      readonly at: number;
      readonly expected: string;
      readonly actual: string;
    };

/** What a suite hands back for one (variant, case) inside the worker. */
export interface Prepared {
  /** Compare the variant with the reference on the case's load. Runs before any timing. */
  gate(): Gate;
  /** Exact counters (work done, memory, capacity); called after a passing gate. */
  counters(): Counter[] | Promise<Counter[]>;
  /** Observed values that depend on scheduling (e.g. warps seen on real threads). */
  gauges?(): Counter[] | Promise<Counter[]>;
  /** Bodies to time; called after a passing gate. */
  timed(): Timed[];
}

/**
 * The case is beyond what this variant can represent (a capacity limit): the message names
 * the limit. The row is written with status 'unsupported'; it is a result, not a failure.
 */
export interface Unsupported {
  readonly unsupported: string;
}

export type Preparation = Prepared | Unsupported;

export function unsupported(message: string): Unsupported {
  return { unsupported: message };
}

export function isUnsupported(p: Preparation): p is Unsupported {
  return 'unsupported' in p;
}

export interface LoadCodec<L> {
  /** recorded in every row as `${name}@${version}`: bump version when the stream changes */
  readonly name: string;
  readonly version: number;
  generate(params: Params, seed: number): L;
  toRows(load: L): LoadRow[];
  /** rebuilds a load from rows read back from CSV (all values arrive as strings) */
  fromRows(rows: ReadonlyArray<Readonly<Record<string, string>>>, params: Params): L;
}

/**
 * A suite, declared in bench/<name>.ts. L is its load, M the shape of a variant module:
 * what every file behind `variants` exports. The module is the variant's identity (as an
 * ops table is an ABI's in Xen): the suite is handed the module, never the variant's name,
 * so no domain code can switch on a name.
 */
export interface SuiteDef<L = unknown, M = unknown> {
  readonly name: string;
  /** the one-line question the suite answers */
  readonly question: string;
  /** variant name → loader of its module; a worker imports only the variant it runs */
  readonly variants: Readonly<Record<string, () => Promise<M>>>;
  readonly baseline: string;
  /** the metric shown in the end-of-run table */
  readonly primaryMetric: string;
  grid(profile: Profile): Params[];
  readonly load: LoadCodec<L>;
  /** Runs in the worker: build the variant from its module, the load and the parameters. */
  prepare(module: M, params: Params, load: L): Preparation | Promise<Preparation>;
  /**
   * Optional: a readable account of what the counters found (e.g. an explorer's shortest
   * counterexamples), printed after the end-of-run table. Rows arrive as CSV strings, the
   * same as a user reading the file back would see them.
   */
  report?(rows: ReadonlyArray<Readonly<Record<string, string>>>): string;
  /**
   * Optional: whether a variant has anything to say about a case (e.g. a depth parameter is
   * meaningless to a variant without levels). Asked of the module, in the main thread; a
   * variant that does not apply is skipped silently and listed in --list.
   */
  applies?(module: M, params: Params): boolean;
  /**
   * Optional: which way each counter should move, by metric name (`*` stands for any text,
   * e.g. `*_worst_warp`). A Counter's own `better` wins. A counter with no direction is
   * reported when it changes but never judged a regression; say 'higher' for capacities.
   */
  readonly better?: Readonly<Record<string, 'higher' | 'lower'>>;
}

/** The direction a suite declares for a counter, from its `better` table. */
export function betterOf(
  table: Readonly<Record<string, 'higher' | 'lower'>> | undefined,
  metric: string,
): 'higher' | 'lower' | undefined {
  if (table === undefined) return undefined;
  const exact = table[metric];
  if (exact !== undefined) return exact;
  for (const [pattern, dir] of Object.entries(table)) {
    if (!pattern.includes('*')) continue;
    const re = new RegExp(
      `^${pattern
        .split('*')
        .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
        .join('.*')}$`,
    );
    if (re.test(metric)) return dir;
  }
  return undefined;
}

/** Stable, readable key of a case's parameters, in their declared order. */
export function caseKey(params: Params): string {
  return Object.entries(params)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

export function defineSuite<L, M>(suite: SuiteDef<L, M>): SuiteDef<L, M> {
  if (!(suite.baseline in suite.variants)) {
    throw new Error(
      `suite ${suite.name}: baseline '${suite.baseline}' is not one of its variants (${Object.keys(suite.variants).join(', ')})`,
    );
  }
  return suite;
}
