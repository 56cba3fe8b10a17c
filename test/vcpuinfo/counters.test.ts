import { test } from 'node:test';
import assert from 'node:assert/strict';
import { countersOf } from '../../src/vcpuinfo/prepare.js';
import { caseOf } from '../../src/vcpuinfo/load.js';
import { fullScanWords } from '../../src/vcpuinfo/scan.js';
import { resumeOf, STRATEGIES } from './helpers.js';

function counters(s: (typeof STRATEGIES)[keyof typeof STRATEGIES], params: Record<string, string | number>) {
  const r = resumeOf(s, params);
  return new Map(countersOf(s, caseOf(params), r).map((c) => [c.metric, c.value]));
}

test('an all-ones selector costs the 2-level scan 3 words per visit over W + 1 visits', () => {
  assert.equal(fullScanWords(), 3 * (64 + 1));
});

for (const n of [4, 33, 128]) {
  const p = { vcpus: n, rate: 'busy', explore: 0 };
  test(`linux-down-up at ${n} vCPUs: the serial loop's closed forms`, () => {
    const c = counters(STRATEGIES.linuxDownUp, p);
    assert.equal(c.get('hc_is_up'), n);
    assert.equal(c.get('hc_down'), n - 1);
    assert.equal(c.get('hc_register'), n);
    assert.equal(c.get('hc_up'), n - 1);
    // VCPUOP_down, and map_guest_area's vcpu_pause of the (down) remote target on Xen 4.18
    assert.equal(c.get('pause_transitions'), 2 * (n - 1));
    assert.equal(c.get('unpause_transitions'), 2 * (n - 1));
    assert.equal(c.get('worst_down'), n > 1 ? 1 : 0);
    assert.equal(c.get('down_scan'), n * (n - 1));
    assert.equal(c.get('ipis'), n - 1);
    // every hypercall in one chain, then stop_machine's end
    assert.equal(c.get('critical_path'), n + (n - 1) + n + (n - 1) + 1);
    assert.equal(c.get('spurious_scan_words'), n * fullScanWords());
    assert.equal(c.get('clock_bad_reads'), 0);
    assert.equal(c.get('clock_bad_reads_unforced'), Math.max(0, n - 32), 'areas of vCPUs >= 32 start zeroed');
    assert.equal(c.get('vcpu_info_bytes_guest'), 64 * n);
  });

  test(`freebsd-self at ${n} vCPUs: parallel except for domain_lock`, () => {
    const c = counters(STRATEGIES.freebsdSelf, p);
    assert.equal(c.get('hc_total'), n);
    assert.equal(c.get('pause_transitions'), 0);
    assert.equal(c.get('worst_down'), 0);
    assert.equal(c.get('ipis'), n - 1);
    assert.equal(c.get('critical_path'), n + 1, "the BSP's registration, resume_cpus, then n - 1 lock holds in turn");
    assert.equal(c.get('critical_path_unlocked'), n > 1 ? 3 : 1);
    assert.equal(c.get('spurious_scan_words'), n * fullScanWords());
  });

  test(`toolstack-restore at ${n} vCPUs: no guest hypercall, the stream's clock unless Xen forces an update`, () => {
    const c = counters(STRATEGIES.toolstackRestore, p);
    assert.equal(c.get('hc_total'), 0);
    assert.equal(c.get('toolstack_restores'), n);
    assert.equal(c.get('critical_path'), n + 1);
    assert.equal(c.get('clock_bad_reads_unforced'), n);
    const stale = counters(STRATEGIES.toolstackRestore, { ...p, time: 'stale' });
    assert.equal(stale.get('clock_bad_reads'), n);
  });
}

test('shared-info re-registers nothing and its vcpu_info memory is the fixed 32-slot array', () => {
  const c = counters(STRATEGIES.sharedInfo, { vcpus: 32, rate: 'busy', explore: 0 });
  assert.equal(c.get('hc_total'), 0);
  assert.equal(c.get('spurious_scan_words'), 0);
  assert.equal(c.get('critical_path'), 0);
  assert.equal(c.get('vcpu_info_bytes_guest'), 32 * 64);
});

test('Xen 4.17 refuses a running remote target, so Linux downs it and nothing is paused by the registration', () => {
  const c = counters(STRATEGIES.linuxDownUp, { vcpus: 8, rate: 'busy', host: 'xen-4.17', explore: 0 });
  assert.equal(c.get('pause_transitions'), 7);
  assert.equal(c.get('hc_register'), 8);
});
