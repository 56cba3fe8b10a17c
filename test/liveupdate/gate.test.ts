import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as demand from '../../src/liveupdate/demand.js';
import { F_PINNED, FrameTable } from '../../src/liveupdate/frametable.js';
import { runGate } from '../../src/liveupdate/gate.js';
import { liveTableRevokeFirst, streamTypesPolicy } from '../../src/liveupdate/hybrid.js';
import * as streamPinned from '../../src/liveupdate/stream-pinned.js';
import * as transform from '../../src/liveupdate/transform.js';
import { runUpdate } from '../../src/liveupdate/update.js';
import type { LiveUpdateVariant, UpdateRun } from '../../src/liveupdate/variant.js';
import * as walk from '../../src/liveupdate/walk.js';
import { small } from './helpers.js';

test('stream-pinned, demand and transform reproduce the old Xen state exactly', () => {
  const { load, old } = small();
  for (const v of [streamPinned, demand, transform] as LiveUpdateVariant[]) {
    const g = runGate(load, old, runUpdate(v, old.handover));
    assert.ok(g.ok, `${v.name}: ${JSON.stringify(g)}`);
  }
});

test('walk fails the gate at the first differing frame, and says it lost pins, tables and allocations', () => {
  const { load, old } = small();
  const r = runUpdate(walk, old.handover);
  const g = runGate(load, old, r);
  assert.equal(g.ok, false);
  if (g.ok) return;
  assert.equal(g.at, r.ft.firstDifference(old.ft));
  assert.match(g.expected, new RegExp(`^frame ${g.at}: `));
  const m = /(\d+) pinned tables not pinned, (\d+) page tables left untyped, .* (\d+) allocated frames not known/.exec(
    g.actual,
  );
  assert.ok(m, g.actual);
  // every pinned table is lost (walk never pins) and the non-running processes' trees are untyped
  assert.equal(Number(m[1]), load.shape.pins.length);
  assert.ok(Number(m[2]) > 0);
  assert.ok(Number(m[3]) > 0, 'secretmem frames of non-running processes are not found');
});

test('the gate catches a variant that drops one pinned flag', () => {
  const { load, old } = small();
  const victim = load.shape.pins[load.shape.pins.length - 1]!;
  const dropsPin: LiveUpdateVariant = {
    name: 'drops-a-pin',
    summary: 'stream-pinned, then forgets one PGT_pinned',
    hybrid: null,
    update(run: UpdateRun) {
      const o = streamPinned.update(run);
      run.ft.flags[victim]! &= ~F_PINNED;
      return o;
    },
  };
  const g = runGate(load, old, runUpdate(dropsPin, old.handover));
  assert.equal(g.ok, false);
  if (g.ok) return;
  assert.equal(g.at, victim);
  assert.match(g.expected, /pinned/);
  assert.doesNotMatch(g.actual.split(' (')[0]!, /pinned/);
});

test('while the frame table is incomplete, demand refuses what the old Xen refuses; the new table alone would not', () => {
  const { old } = small();
  const empty = new FrameTable(old.ft.frames); // just after resume: nothing typed yet
  const types = old.handover.pfnTypes;
  let tables = 0;
  for (let f = 0; f < old.ft.frames; f++) {
    const oldSays = old.ft.mayMapWritable(f);
    assert.equal(streamTypesPolicy.mayMapWritable(empty, types, f), oldSays, `frame ${f}`);
    if (!oldSays) {
      tables++;
      assert.equal(liveTableRevokeFirst.mayMapWritable(empty, types, f), true);
    }
  }
  assert.ok(tables > 0);
});
