import { test } from 'node:test';
import assert from 'node:assert/strict';
import { E64 } from '../../src/p2m/entry.js';
import { SECTION_PFNS } from '../../src/p2m/hotadd.js';
import { generate, OP_SET } from '../../src/p2m/load.js';
import { migrateAlongLoad } from '../../src/p2m/toolstack.js';
import { build } from './helpers.js';

const params = { guest: 64, gib: 4, mem: 1, layout: 'hotplug', load: 'hotadd' };

test('hot-add: one section above maxmem, invalidated in one burst, then populated from the top', () => {
  const load = generate(params, 1);
  const base = load.layout.span; // 4 GiB is section-aligned
  let burst = 0;
  let populated = 0;
  for (let i = 0; i < load.ops.length; i++) {
    if (load.ops[i] !== OP_SET || load.pfns[i]! < base) continue;
    assert.ok(load.pfns[i]! < base + SECTION_PFNS);
    if (load.values[i] === E64.INVALID) {
      assert.equal(populated, 0, 'the whole section is invalidated before any populate');
      assert.equal(load.pfns[i], base + burst++);
    } else populated++;
  }
  assert.deepEqual([burst, populated > 0], [SECTION_PFNS, true]);
});

test('hot-add while migrating: the 4.3+ list changes structure in the burst and aborts; the tree misses; 3.19 cannot', () => {
  const load = generate(params, 1);
  const run = (name: 'tree3' | 'linear' | 'linear-3.19') =>
    migrateAlongLoad(build(name, load.layout), load, 8, { rewritesOnly: false });
  const l = build('linear', load.layout);
  const before = l.structuralChanges;
  for (let i = 0; i < load.ops.length; i++)
    if (load.ops[i] === OP_SET && load.values[i] === E64.INVALID) l.set(load.pfns[i]!, E64.INVALID);
  // a 128 MiB section in identity slots: 64 private leaves and the GiB's PTE page
  assert.equal(l.structuralChanges - before, SECTION_PFNS / 512 + 1);
  const lin = run('linear');
  assert.ok(lin.aborted && lin.detected > 0 && lin.missed === 0, 'check_vm_state sees the generation move');
  const tree = run('tree3');
  assert.ok(!tree.aborted && tree.missed > 0, 'the tree grows beyond its published max_pfn unseen');
  const l319 = run('linear-3.19');
  assert.deepEqual([l319.changes, l319.aborted], [0, false], 'no room beyond xen_p2m_size: nothing installed');
});
