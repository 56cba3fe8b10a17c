import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as demand from '../../src/liveupdate/demand.js';
import { liveTableRevokeAfter, liveTableRevokeFirst, streamTypesPolicy } from '../../src/liveupdate/hybrid.js';
import { exploreRace, RACE_OPTIONS } from '../../src/liveupdate/race.js';

test("demand's hybrid mode (the stream's types) never lets a page be a validated table and writable", () => {
  assert.equal(demand.hybrid, streamTypesPolicy, 'the policy demand runs with');
  const f = exploreRace(streamTypesPolicy, RACE_OPTIONS);
  assert.ok(f.result.exhaustive);
  assert.ok(f.result.interleavings > 1);
  assert.equal(f.result.violations, 0);
});

test('trusting the new frame table and revoking before typing: the explorer finds the race, 6 steps', () => {
  const f = exploreRace(liveTableRevokeFirst, RACE_OPTIONS);
  assert.ok(f.result.exhaustive);
  assert.ok(f.result.violations > 0);
  const steps = f.result.shortest!.steps;
  assert.equal(steps.length, 6);
  // the revoke runs before the guest's shadow entry is propagated, the type is taken after it
  const at = (s: string) => steps.findIndex((x) => x.label.includes(s));
  assert.ok(at('sh_remove_write_access') < at('_sh_propagate makes the shadow entry writable'));
  assert.ok(at('_sh_propagate makes the shadow entry writable') < at('validate locked'));
  assert.match(f.trace, /validated L1 page table and the guest holds a writable mapping/);
});

test('the same trust with the revoke after the type is taken (shadow_promote order) is safe for this property', () => {
  const f = exploreRace(liveTableRevokeAfter, RACE_OPTIONS);
  assert.ok(f.result.exhaustive);
  assert.equal(f.result.violations, 0);
});
