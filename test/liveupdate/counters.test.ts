import assert from 'node:assert/strict';
import { test } from 'node:test';
import suite from '../../bench/liveupdate.js';
import { blackoutSeconds, breakEvenNsPerUnit, expectedWork, fullTreeWork } from '../../src/liveupdate/closedform.js';
import { SEND_INTERVAL } from '../../src/liveupdate/load.js';
import { PAGE_INFO_BYTES } from '../../src/liveupdate/frametable.js';
import { GROWN_PAGE_INFO_BYTES } from '../../src/liveupdate/oldlayout.js';
import { FRAMES_PER_GIB } from '../../src/liveupdate/shape.js';
import { prepare, runnable } from '../suite-helpers.js';
import { SMALL } from './helpers.js';

async function counters(variant: string, params = SMALL): Promise<Map<string, number>> {
  const p = runnable(await prepare(suite, variant, params));
  assert.ok(p.gate().ok, variant);
  return new Map((await p.counters()).map((c) => [c.metric, c.value]));
}

test('closed forms: a complete rebuild validates every page table once and checks every present entry once', async () => {
  const s = await counters('stream-pinned');
  const d = await counters('demand');
  const t = await counters('transform');
  const frames = Number(SMALL['gib']) * FRAMES_PER_GIB;
  assert.equal(s.get('total_pages_validated'), s.get('page_tables'));
  assert.equal(s.get('blackout_pages_validated'), s.get('page_tables'));
  assert.equal(s.get('bytes_carried'), frames * 8);
  // demand does the same work in total, almost none of it before resume
  assert.equal(d.get('total_pages_validated'), s.get('total_pages_validated'));
  assert.equal(d.get('total_entries_checked'), s.get('total_entries_checked'));
  assert.ok(d.get('blackout_pages_validated')! <= 1 + Number(SMALL['vcpus']));
  assert.equal(d.get('unvalidated_at_shadow_off'), 0);
  // transform validates nothing: one page_info per frame
  assert.equal(t.get('total_pages_validated'), 0);
  assert.equal(t.get('frames_carried'), frames);
  assert.equal(t.get('bytes_carried'), frames * PAGE_INFO_BYTES);
  assert.equal(t.get('bytes_copied'), 0);
  const g = await counters('transform', { ...SMALL, pageinfo: 'grown' });
  assert.equal(g.get('bytes_copied'), frames * GROWN_PAGE_INFO_BYTES);
  // events: one send per SEND_INTERVAL units of blackout work, coalescing on 32 ports
  for (const c of [s, d, t]) {
    const bw = c.get('blackout_work')!;
    assert.equal(
      bw,
      c.get('blackout_pages_validated')! + c.get('blackout_entries_checked')! + c.get('frames_carried')!,
    );
    const sent = c.get('events_sent')!;
    assert.ok(
      sent === Math.floor(bw / SEND_INTERVAL) || sent === Math.ceil(bw / SEND_INTERVAL),
      `${sent} sends in ${bw}`,
    );
    assert.ok(c.get('events_pending_at_resume')! <= Math.min(32, sent));
    assert.ok(c.get('events_longest_wait')! <= bw);
  }
});

test('closed form of a guest too large to build agrees with the built ones', async () => {
  const params = { gib: 1 / 4, procs: 400, vcpus: 2, pageinfo: 'same' };
  const s = await counters('stream-pinned', params);
  const e = expectedWork(1 / 4, 400);
  const within = (got: number, want: number, pct: number) =>
    assert.ok(Math.abs(got - want) <= (want * pct) / 100, `${got} vs expected ${want}`);
  within(s.get('total_pages_validated')!, e.pages, 2);
  within(s.get('total_entries_checked')!, e.entries, 2);
});

test('a fully populated L4 tree: 512 + 512^2 + 512^3 + 512^4 entries in 1 + 512 + 512^2 + 512^3 pages', () => {
  const w = fullTreeWork();
  assert.equal(w.entries, 68853957120);
  assert.equal(w.pages, 134480385);
  // Andrew Cooper's "minutes": one minute is reached at 60 s / 68,988,437,505 units = 0.87 ns per unit
  assert.equal(breakEvenNsPerUnit(w, 60).toFixed(4), '0.8697');
  assert.equal(blackoutSeconds(w, 5).toFixed(0), '345');
});
