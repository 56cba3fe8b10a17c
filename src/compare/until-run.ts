// The sampling loop of `compare --until-resolved`: judge, and while rows are open and the budget
// allows, build both refs once, add a batch of interleaved base/head runs narrowed to the open
// rows (resolve.ts's alternate()), pool them into each side and judge again. Every decision of
// the loop is in until.ts (pure, tested); this file only launches runs and reads them back.
import { InputError } from '../harness/exit.js';
import { repoRoot, resolveCommit } from './git.js';
import { mergeRuns, readRun, type Run } from './read.js';
import { alternate, DEFAULT_CHUNK_ARGS } from './resolve.js';
import type { Comparison } from './types.js';
import { alphaForLook, markUndecided, nextStep, openRows } from './until.js';
import { openWorktree, type Worktree } from './worktree.js';

/** Runs a side gets per look: two a side (four workers with --rounds 1 --aa). */
export const UNTIL_BATCH = 2;

export interface UntilOptions {
  readonly cwd: string;
  readonly specs: readonly [string, string];
  readonly benchArgs: readonly string[] | undefined;
  readonly budgetMs: number;
  /** when compare started (the budget counts the first runs too) */
  readonly startedMs: number;
  /** how long one run of one side took when the sides were first measured, if they were */
  readonly runMsEstimate: number;
  readonly log: (line: string) => void;
  /** compare got SIGINT or SIGTERM: stop adding runs */
  readonly stop?: AbortSignal;
}

export async function untilResolved(
  first: readonly [Run, Run],
  judge: (base: Run, head: Run, alphaShare: number) => Comparison,
  o: UntilOptions,
): Promise<Comparison> {
  const root = repoRoot(o.cwd);
  const commits = o.specs.map((s) => (root === undefined ? undefined : resolveCommit(s, root)));
  if (root === undefined || commits.some((c) => c === undefined)) {
    throw new InputError('--until-resolved measures more runs of each side: BASE and HEAD must both be git refs');
  }
  const args = o.benchArgs ?? DEFAULT_CHUNK_ARGS;
  let [base, head] = first;
  const sources = [base.source, head.source];
  let added = 0;
  let look = 1;
  let cmp = judge(base, head, alphaForLook(1, look));
  let lastBatchMs = o.runMsEstimate * 2 * UNTIL_BATCH;
  const trees = new Map<string, Worktree>();
  let why = '';
  try {
    for (;;) {
      const step = nextStep({
        look,
        open: openRows(cmp.rows),
        elapsedMs: Date.now() - o.startedMs,
        budgetMs: o.budgetMs,
        lastBatchMs,
        benchArgs: args,
      });
      if (step.action === 'stop') {
        why = step.why;
        break;
      }
      for (const c of commits) if (!trees.has(c!)) trees.set(c!, await openWorktree(root, c!, o.log, o.stop));
      o.log(
        `compare: --until-resolved look ${look + 1}: ${openRows(cmp.rows).length} row(s) open; ${step.benchArgs.join(' ')}`,
      );
      const t0 = Date.now();
      const sides = o.specs.map((spec, i) => ({ spec, tree: trees.get(commits[i]!)! }));
      const [nb, nh] = await alternate(sides, UNTIL_BATCH, step.benchArgs, o.log, o.stop);
      if (o.stop?.aborted) break;
      lastBatchMs = Date.now() - t0;
      added += nb!.length;
      const more = ` +${added} run${added > 1 ? 's' : ''} added until resolved`;
      base = mergeRuns([base, ...nb!.map((d) => readRun(d, base.label))], base.label, sources[0] + more);
      head = mergeRuns([head, ...nh!.map((d) => readRun(d, head.label))], head.label, sources[1] + more);
      look++;
      cmp = judge(base, head, alphaForLook(1, look));
    }
  } finally {
    for (const t of trees.values()) t.close();
  }
  markUndecided(cmp.rows, why);
  cmp.warnings.push(`--until-resolved: ${look} look(s), α/(k(k+1)) at look k; stopped: ${why}`);
  return cmp;
}
