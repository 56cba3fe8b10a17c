import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pvclockFindings } from '../../src/pvclock/report.js';

test('findings: one line per (case, variant, model) and the trace of each warping configuration', () => {
  const row = (variant: string, metric: string, median: string, detail = '') => ({
    suite: 'pvclock',
    variant,
    case: 'scheme=master,delta=-1',
    metric,
    median,
    detail,
  });
  const text = pvclockFindings([
    row('percpu', 'explore_warp_reachable', '1'),
    row('percpu', 'explore_worst_warp', '982'),
    row('percpu', 'explore_interleavings', '1606', 'exhaustive (preemption bound 2)'),
    row('percpu', 'explore_shortest', '21', 'TRACE-A'),
    row('vcpu0', 'explore_warp_reachable', '0'),
    row('vcpu0', 'explore_worst_warp', '0'),
    row('vcpu0', 'explore_interleavings', '1334', 'exhaustive (preemption bound 2)'),
    row('vcpu0', 'explore_shortest', '0', 'no violation'),
    { suite: 'evtchn', variant: 'x', case: 'y', metric: 'explore_warp_reachable', median: '1', detail: '' },
  ]);
  assert.match(text, /percpu .*WARP +982 1606 \(exhaustive\)/);
  assert.match(text, /vcpu0 .*none +0 1334/);
  assert.ok(text.includes('TRACE-A') && !text.includes('no violation'));
  assert.ok(!text.includes('evtchn'));
});

test('findings: a torn read is reported as TORN, not as a warp', () => {
  const row = (metric: string, median: string, detail = '') => ({
    suite: 'pvclock',
    variant: 'percpu-v4.0',
    case: 'load=revert,host=4.0',
    metric,
    median,
    detail,
  });
  const text = pvclockFindings([
    row('explore_warp_reachable', '1'),
    row('explore_worst_warp', '1000'),
    row('explore_interleavings', '2540', 'exhaustive (preemption bound 3)'),
    row(
      'explore_shortest',
      '19',
      '2540 interleavings (exhaustive), 4 violating; shortest counterexample (19 steps): torn read: …',
    ),
  ]);
  assert.match(text, /percpu-v4.0 .*TORN +1000 2540 \(exhaustive\)/);
});
