// Comparing like with like when a row's workers sit in two speed modes. On the 2-vCPU VMs this
// project is measured on, a worker's whole task falls into a slow phase of the host (60–100%
// slower, seconds long; docs/ci.md) or not, at random, in shares that moved from 2 to 9 workers
// of 10 between the two sides of an A/A pair. A Welch interval over all workers then spans
// both modes: in the default grid's calibration, 5 interleaved runs a side found none of 20
// rows made 10% slower, with intervals a factor of 5 wide.
//
// The phase multiplies a worker's time and does not care which code runs, so the change the
// code made is the same in either mode. When both sides show the two modes (src/harness/
// modes.ts, on each side's own workers) with the same gap between them, `estimateByMode` splits
// each side at its own cut and fits the additive model of a two-way layout on the log scale:
// log time = side + mode + noise, the noise one variance for all four cells (the phase scales
// time, so the spread of log time within a mode does not depend on the mode or the code).
// The change is the weighted mean of the two within-mode differences of cell means, each
// weighted by 1/(1/n_base + 1/n_head), with a t interval on the pooled within-cell variance
// and N − 4 degrees of freedom. The weights depend only on the counts: weighting each mode by
// its own estimated variance, as tried first, favoured the mode whose few workers happened to
// agree, and flagged 20 of 1968 synthetic A/A rows against 5 of 2030 for these weights
// (test/compare/strata.test.ts's workers, 100 families of 30 rows). A mode is used when it has
// MIN_PER_SIDE workers on each side. A real change of the code moves both of head's modes and
// keeps their gap, so it is measured, not mistaken for a mode. When only one side shows two
// modes, which of them the other side's workers belong to cannot be told (head's workers 60%
// slower than base's fast mode are also 9% faster than its slow one), and the row is compared
// over all its workers as before, where unknown.ts may call it `unknown`.
import { findModes } from '../harness/modes.js';
import { type Estimate, welchLog } from './decide.js';
import { tSf } from './tdist.js';

/** Workers a mode needs on each side to be compared (the variance is pooled, so two do). */
export const MIN_PER_SIDE = 2;

/** How far the two sides' slow/fast gaps may differ (relative) and still be the same two modes. */
export const GAP_AGREEMENT = 0.15;

export interface ModedEstimate extends Estimate {
  /** the strata the estimate pooled: '' when it compared all workers at once */
  readonly strata: string;
}

/** Over all values at once (raw samples, or workers in one mode). */
export function plainEstimate(base: readonly number[], head: readonly number[]): ModedEstimate | undefined {
  const e = welchLog(base, head);
  return e && { ...e, strata: '' };
}

/** The row's estimate within speed modes when both sides show the same two, else over all workers. */
export function estimateByMode(base: readonly number[], head: readonly number[]): ModedEstimate | undefined {
  const plain = () => plainEstimate(base, head);
  const mb = findModes(base);
  const mh = findModes(head);
  if (mb === undefined || mh === undefined) return plain();
  if (Math.abs(Math.log(mb.hi / mb.lo) - Math.log(mh.hi / mh.lo)) > Math.log(1 + GAP_AGREEMENT)) return plain();
  const cells: { name: string; b: number[]; h: number[] }[] = [];
  for (const name of ['fast', 'slow'] as const) {
    const inB = (x: number) => (name === 'fast' ? x <= mb.cut : x > mb.cut);
    const inH = (x: number) => (name === 'fast' ? x <= mh.cut : x > mh.cut);
    const b = base.filter(inB).map(Math.log);
    const h = head.filter(inH).map(Math.log);
    if (b.length >= MIN_PER_SIDE && h.length >= MIN_PER_SIDE)
      cells.push({ name: `${name} ${b.length}+${h.length}`, b, h });
  }
  if (cells.length === 0) return plain();
  const mean = (xs: readonly number[]) => xs.reduce((a, x) => a + x, 0) / xs.length;
  const ss = (xs: readonly number[]) => {
    const m = mean(xs);
    return xs.reduce((a, x) => a + (x - m) ** 2, 0);
  };
  let w = 0;
  let wd = 0;
  let within = 0;
  let used = 0;
  for (const { b, h } of cells) {
    const ws = 1 / (1 / b.length + 1 / h.length);
    w += ws;
    wd += ws * (mean(h) - mean(b));
    within += ss(b) + ss(h);
    used += b.length + h.length;
  }
  const df = used - 2 * cells.length;
  if (df < 1 || !(within > 0)) return plain();
  const d = wd / w;
  const se = Math.sqrt(within / df / w);
  return {
    ratio: Math.exp(d),
    logDiff: d,
    se,
    df,
    p: Math.min(1, 2 * tSf(Math.abs(d) / se, df)),
    n: [base.length, head.length],
    strata: cells.map((c) => c.name).join(', '),
  };
}
