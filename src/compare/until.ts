// `compare --until-resolved`: the decisions of the sampling loop, kept pure so that they can be
// tested on made-up rows (the loop that launches bench runs is until-run.ts). As Google's
// tachometer does with its auto-sample conditions, compare keeps adding interleaved base/head
// runs for the rows still open until every row's interval lies outside ±threshold (a change) or
// inside it (no change worth the name), or the time budget ends. A row still open then is
// reported `undecided`, never "no change".
//
// Looking again after each batch is a new chance of a false call, so the looks share α: look k
// decides at α/(k(k+1)) (α/2, α/6, α/12, …, a series that sums to α), the simplest spending rule
// that needs no maximum number of looks in advance (a time budget does not give one).
import type { RowResult } from './types.js';

export function alphaForLook(alpha: number, look: number): number {
  return alpha / (look * (look + 1));
}

/** Rows the loop still works on: timings whose interval straddles a threshold. */
export function openRows(rows: readonly RowResult[]): RowResult[] {
  return rows.filter((r) => r.kind === 'timing' && r.resolution === 'open');
}

export type Step =
  | { readonly action: 'stop'; readonly why: string }
  | { readonly action: 'run'; readonly benchArgs: string[] };

export interface LoopState {
  readonly look: number;
  readonly open: readonly RowResult[];
  readonly elapsedMs: number;
  readonly budgetMs: number;
  /** how long the last batch of runs took (the estimate of the next one) */
  readonly lastBatchMs: number;
  /** the bench options of every run (e.g. --rounds 1 --aa) */
  readonly benchArgs: readonly string[];
}

/** What to do after a look: stop (and why), or which bench runs to add. */
export function nextStep(s: LoopState): Step {
  if (s.open.length === 0) return { action: 'stop', why: 'every row resolved' };
  if (s.elapsedMs + s.lastBatchMs >= s.budgetMs) {
    const left = Math.max(0, Math.round((s.budgetMs - s.elapsedMs) / 1000));
    return {
      action: 'stop',
      why: `budget: ${left} s left, a batch takes about ${Math.round(s.lastBatchMs / 1000)} s; ${s.open.length} row(s) undecided`,
    };
  }
  return { action: 'run', benchArgs: narrowArgs(s.open, s.benchArgs) };
}

/**
 * The bench options that measure the open rows and as little else as possible: their suite,
 * their variants and, when they share one, their case (the bench's --case takes one pattern;
 * rows of several cases run them all). Rows of several suites narrow to those suites only.
 * Options the user gave that select the same things are replaced.
 */
export function narrowArgs(open: readonly RowResult[], benchArgs: readonly string[]): string[] {
  const keep: string[] = [];
  for (let i = 0; i < benchArgs.length; i++) {
    const a = benchArgs[i]!;
    if (['--suite', '--variant', '--case'].includes(a)) i++;
    else if (!/^--(suite|variant|case)=/.test(a)) keep.push(a);
  }
  const suites = [...new Set(open.map((r) => r.suite))];
  const out = [...keep, '--suite', suites.join(',')];
  if (suites.length === 1) {
    out.push('--variant', [...new Set(open.map((r) => r.variant))].join(','));
    const cases = [...new Set(open.map((r) => r.case))];
    // a case key k=v,k=v is itself a --case pattern of exact terms
    if (cases.length === 1) out.push('--case', cases[0]!);
  }
  return out;
}

/** After the last look: a row still open is undecided, whatever its point estimate says. */
export function markUndecided(rows: RowResult[], why: string): void {
  for (const r of openRows(rows)) {
    if (r.verdict === 'failed' || r.verdict === 'untested') continue;
    r.verdict = 'undecided';
    r.reason = `interval straddles ±threshold (${why})`;
  }
}
