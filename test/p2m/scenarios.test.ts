import { test } from 'node:test';
import assert from 'node:assert/strict';
import { exploreWalk, WALK_OPTIONS } from '../../src/p2m/migration.js';
import { NAMES, VARIANTS } from './helpers.js';

function run(scenario: 'grant' | 'exchange' | 'hotadd') {
  return Object.fromEntries(
    NAMES.map((n) => {
      const f = exploreWalk(VARIANTS[n], WALK_OPTIONS, 0, scenario);
      return [n, { aborts: f.detected, silent: f.result.violations, trace: f.trace }];
    }),
  );
}

test('XENMEM_exchange during the walk rewrites entries of a private leaf: no variant aborts or completes stale', () => {
  for (const [n, r] of Object.entries(run('exchange'))) assert.deepEqual([r.aborts, r.silent], [0, 0], n);
});

test("a grant mapped onto a ballooned pfn: the trees install a leaf nobody checks, the lists' extra memory has one since boot", () => {
  const r = run('grant');
  for (const n of ['tree3', 'tree4']) assert.ok(r[n]!.silent > 0 && r[n]!.aborts === 0, n);
  for (const n of ['linear', 'linear-3.19']) assert.deepEqual([r[n]!.aborts, r[n]!.silent], [0, 0], n);
});

test('hot-add above maxmem: the trees complete silently, the >= 4.3 list mostly aborts but can miss a max_pfn grown after its generation step', () => {
  const r = run('hotadd');
  for (const n of ['tree3', 'tree4']) assert.ok(r[n]!.silent > 0 && r[n]!.aborts === 0, n);
  const l = r['linear']!;
  assert.ok(l.aborts > 0 && l.silent > 0, JSON.stringify(l));
  assert.match(l.trace, /sent as absent/);
  assert.match(l.trace, /get_p2m_generation = 4/); // read after both installs: nothing changes it again
  assert.deepEqual([r['linear-3.19']!.aborts, r['linear-3.19']!.silent], [0, 0]); // its populate is refused
});
