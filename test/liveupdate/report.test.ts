import assert from 'node:assert/strict';
import { test } from 'node:test';
import { liveupdateFindings } from '../../src/liveupdate/report.js';

const c = 'gib=1,procs=10,vcpus=2,pageinfo=same';
const row = (variant: string, metric: string, median: string, extra: Record<string, string> = {}) => ({
  suite: 'liveupdate',
  case: c,
  variant,
  metric,
  median,
  status: 'ok',
  ...extra,
});

test('the findings name the failing variant and its first differing frame, derive costs and the full-tree blackout', () => {
  const counters = (v: string, bp: string, be: string, tp: string, te: string) => [
    row(v, 'blackout_pages_validated', bp),
    row(v, 'blackout_entries_checked', be),
    row(v, 'total_pages_validated', tp),
    row(v, 'total_entries_checked', te),
    row(v, 'frames_carried', '0'),
    row(v, 'blackout_work', String(Number(bp) + Number(be))),
    row(v, 'events_pending_at_resume', '3'),
    row(v, 'events_longest_wait', '100'),
  ];
  const rows = [
    ...counters('stream-pinned', '10', '990', '10', '990'),
    row('stream-pinned', 'per_unit', '2'),
    row('walk', 'gate', '', {
      status: 'gate-failed',
      detail: 'failed at 5: expected frame 5: L1 count=2 validated pinned',
    }),
    ...counters('demand', '1', '9', '10', '990'),
    row('demand', 'per_unit', '3'),
    row('demand', 'race_violations', '0'),
    row('demand', 'race_interleavings', '28'),
    row('demand', 'race_live_table_violations', '8', { detail: 'shortest counterexample (6 steps): ...' }),
    row('demand', 'race_live_table_shortest', '6'),
  ];
  const out = liveupdateFindings(rows);
  assert.match(out, /walk +GATE FAILED: failed at 5: expected frame 5: L1 count=2 validated pinned/);
  assert.match(out, /stream-pinned +blackout 10 pages \/ 990 entries/);
  assert.match(
    out,
    /measured 2\.00 ns\/unit: 2\.0 ns per entry checked, 200\.0 ns per page validated; blackout 0\.002 ms/,
  );
  // the extrapolation uses the variant that validates everything before resume, not demand
  assert.match(out, /68988437505 units x 2\.00 ns \(stream-pinned, .*\) = 138 s/);
  assert.match(out, /shortest counterexample \(6 steps\)/);
});
