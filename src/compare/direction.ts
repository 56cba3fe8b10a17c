// Which way a metric should move. A timing in ns per operation is better lower; a counter can
// go either way (words read: lower; capacity, ports reached: higher), and only the suite knows,
// so it says so (`better` on its Counter or Timed, src/harness/suite.ts) and the bench writes it
// into the row's `better` column. `--fail-on regression` fails on a move the worse way only: a
// grown capacity is not a regression. A counter without a declared direction is flagged when it
// changes (the work changed, someone should look) but never fails the gate: compare cannot
// know whether more is worse. CSVs written before the column existed have no direction either,
// except that timings are always better lower.
import type { RowResult } from './types.js';

export type Better = 'higher' | 'lower';

/** The row's `better` cell as read back; timings default to lower. */
export function directionOf(kind: string, cell: string | undefined): Better | undefined {
  if (cell === 'higher' || cell === 'lower') return cell;
  return kind === 'timing' ? 'lower' : undefined;
}

/** Whether the value went the worse way ('worse'), the better way, or cannot be judged. */
export function judgement(up: boolean, better: Better | undefined): 'worse' | 'better' | 'unjudged' {
  if (better === undefined) return 'unjudged';
  return up === (better === 'lower') ? 'worse' : 'better';
}

/** The rows that fail `--fail-on regression`: a failure, or a change the worse way. */
export function isRegression(r: RowResult): boolean {
  switch (r.verdict) {
    case 'failed':
      return true;
    case 'slower':
    case 'counter-up':
      return judgement(true, r.better) === 'worse';
    case 'faster':
    case 'counter-down':
      return judgement(false, r.better) === 'worse';
    default:
      return false;
  }
}
