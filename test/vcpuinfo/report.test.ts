import { test } from 'node:test';
import assert from 'node:assert/strict';
import { vcpuinfoFindings } from '../../src/vcpuinfo/report.js';
import { runThreads } from '../../src/vcpuinfo/threads.js';

const row = (variant: string, metric: string, median: string, detail = '', status = 'ok') => ({
  suite: 'vcpuinfo',
  variant,
  case: 'vcpus=33',
  metric,
  median,
  detail,
  status,
});

test('the findings list every explorer verdict, one trace per violating variant and shape, and failed gates', () => {
  const text = vcpuinfoFindings([
    row('freebsd-self', 'explore_slot_violation', '0'),
    row('freebsd-self', 'explore_slot_interleavings', '350', 'budget reached'),
    row('remote-register', 'explore_slot_lapic_violation', '1'),
    row('remote-register', 'explore_slot_lapic_interleavings', '350', 'budget reached'),
    row('remote-register', 'explore_slot_lapic_shortest', '15', 'shortest counterexample (15 steps): event lost'),
    row('linux-down-up', 'gate', '', 'first difference at operation 3: … | explorer (slot): trace', 'gate-failed'),
    { ...row('other', 'explore_slot_violation', '1'), suite: 'pvclock' },
  ]);
  assert.match(text, /freebsd-self .* harm +none +350/);
  assert.match(text, /remote-register .* harm, per-vCPU LAPIC vector \(edge\) +FOUND 350/);
  assert.match(text, /shortest counterexample \(15 steps\): event lost/);
  assert.match(text, /linux-down-up .* GATE FAILED: first difference at operation 3/);
  assert.match(text, /linux-down-up \(gate failed\), explorer \(slot\): trace/);
  assert.doesNotMatch(text, /other/);
});

test('the real-thread run: every AP registers its own area once released', async () => {
  const t = await runThreads(6);
  assert.equal(t.threads, 4);
  assert.ok(t.us >= 0);
  assert.ok(t.contended >= 0 && t.contended <= 5);
});
