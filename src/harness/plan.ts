// From the user's selection to the ordered list of tasks. The order is the point: within a
// case, variants alternate round by round (A B A B …), so that drift of a shared machine
// hits every variant alike instead of whichever ran last.
import { caseKey, type Params, type Profile, type SuiteDef } from './suite.js';

export interface LoadedSuite {
  readonly name: string;
  readonly url: string;
  readonly def: SuiteDef;
  /** every variant's module, loaded in the main thread to ask `applies` (never timed here) */
  readonly modules: Readonly<Record<string, unknown>>;
}

export interface CasePlan {
  readonly suite: LoadedSuite;
  readonly key: string;
  readonly params: Params;
  readonly variants: readonly string[];
}

export interface Selection {
  readonly variants?: readonly string[];
  readonly casePattern?: string;
  readonly profile: Profile;
}

/**
 * A case matches when every comma-separated term of the pattern matches: `k=v` must equal
 * the case's parameter k (v may use * as a wildcard); a bare word must occur in the key.
 */
export function caseMatches(key: string, params: Params, pattern: string | undefined): boolean {
  if (!pattern) return true;
  return pattern.split(',').every((term) => {
    const eq = term.indexOf('=');
    if (eq < 0) return key.includes(term);
    const k = term.slice(0, eq);
    if (!(k in params)) return false;
    const re = new RegExp(
      '^' +
        term
          .slice(eq + 1)
          .split('*')
          .map(escapeRe)
          .join('.*') +
        '$',
    );
    return re.test(String(params[k]));
  });
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function planCases(suites: readonly LoadedSuite[], sel: Selection): CasePlan[] {
  const cases: CasePlan[] = [];
  for (const suite of suites) {
    const names = Object.keys(suite.def.variants).filter((v) => !sel.variants || sel.variants.includes(v));
    for (const params of suite.def.grid(sel.profile)) {
      const key = caseKey(params);
      if (!caseMatches(key, params, sel.casePattern)) continue;
      const variants = names.filter((v) => suite.def.applies?.(suite.modules[v], params) ?? true);
      if (variants.length > 0) cases.push({ suite, key, params, variants });
    }
  }
  return cases;
}

export interface PlannedTask {
  readonly c: CasePlan;
  readonly variant: string;
  readonly round: number;
  readonly replica: number;
}

export function planTasks(cases: readonly CasePlan[], rounds: number, aa: boolean): PlannedTask[] {
  const tasks: PlannedTask[] = [];
  for (const c of cases) {
    for (let round = 0; round < rounds; round++) {
      for (let replica = 0; replica < (aa ? 2 : 1); replica++) {
        for (const variant of c.variants) tasks.push({ c, variant, round, replica });
      }
    }
  }
  return tasks;
}

/**
 * The i-th (1-based) of n shards of a plan, for grids that outgrow one machine: whole cases
 * (a case's rows need all its rounds), balanced by task count with the longest-processing-time
 * rule, ties broken by plan order, so that every machine computes the same split. Each case
 * keeps its seed and row identity; the shards' rows together are the unsharded run's.
 */
export function shardCases(
  cases: readonly CasePlan[],
  costOf: (c: CasePlan) => number,
  i: number,
  n: number,
): CasePlan[] {
  const order = cases.map((c, k) => ({ k, cost: costOf(c) })).sort((a, b) => b.cost - a.cost || a.k - b.k);
  const load = new Array<number>(n).fill(0);
  const owner = new Array<number>(cases.length);
  for (const { k, cost } of order) {
    let best = 0;
    for (let s = 1; s < n; s++) if (load[s]! < load[best]!) best = s;
    owner[k] = best;
    load[best]! += cost;
  }
  return cases.filter((_, k) => owner[k] === i - 1);
}
