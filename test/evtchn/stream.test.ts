// The timed replay delivers exactly what the gate observed: the same ports, on the same
// vCPUs, in the same order and number, on every load and every model, and again after its
// state has been restored (so every timing sample does the same work).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generate, LOAD_KINDS } from '../../src/evtchn/load.js';
import { deliveryDigest, replay } from '../../src/evtchn/replay.js';
import { StreamReplay } from '../../src/evtchn/stream.js';
import { shapeOf } from '../../src/evtchn/ops.js';
import { SUBJECTS } from './variants.js';

for (const subject of SUBJECTS) {
  test(`${subject.name}: the timed replay delivers what the gate's replay observed, every time`, () => {
    for (const kind of LOAD_KINDS) {
      for (const [wordBits, vcpus, seed] of [
        [64, 4, 1],
        [32, 3, 2],
        [64, 1, 3],
      ] as const) {
        const ports = Math.min(subject.module.capacity(subject.config(wordBits, 2, vcpus)), 4096);
        const config = subject.config(wordBits, ports, vcpus);
        const load = generate(shapeOf({ load: kind, ports, vcpus, density: 0.05 }), seed);
        const gate = replay(subject.module.create(config), load);
        const reference = replay(subject.reference(config), load);
        assert.equal(deliveryDigest(gate.deliveries), deliveryDigest(reference.deliveries));
        const timed = new StreamReplay(subject.module.create(config), load);
        for (let sample = 0; sample < 3; sample++) {
          timed.reset();
          const n = timed.run();
          const what = `${kind} W=${wordBits} vcpus=${vcpus} sample ${sample}`;
          assert.equal(n, gate.deliveries.length / 3, `${what}: count`);
          assert.equal(timed.digest, deliveryDigest(gate.deliveries), `${what}: ports, vCPUs and order`);
        }
      }
    }
  });
}

test('the digest tells orders apart', () => {
  assert.notEqual(deliveryDigest([0, 0, 5, 0, 0, 6]), deliveryDigest([0, 0, 6, 0, 0, 5]));
  assert.notEqual(deliveryDigest([0, 0, 5]), deliveryDigest([0, 1, 5]));
  assert.notEqual(deliveryDigest([0, 0, 5]), deliveryDigest([0, 0, 5, 0, 0, 5]));
});

test('a migration half-way loses no event: every model delivers as many events and leaves nothing pending', () => {
  let fifoRaised = 0;
  for (const subject of SUBJECTS) {
    for (const kind of ['sparse', 'dom0', 'churn', 'single', 'during', 'move'] as const) {
      const ports = Math.min(subject.module.capacity(subject.config(64, 2, 4)), 4096);
      const config = subject.config(64, ports, 4);
      const load = generate(shapeOf({ load: kind, ports, vcpus: 4, density: 0.05 }), 11);
      const plain = new StreamReplay(subject.module.create(config), load);
      plain.reset();
      const expected = plain.run();
      for (const at of [load.length >> 2, load.length >> 1, (3 * load.length) >> 2]) {
        const model = subject.module.create(config);
        const moved = new StreamReplay(model, load);
        moved.reset();
        const raised = moved.runMigrating(at);
        const what = `${subject.name} ${kind} migrated at ${at} (${raised} raised again)`;
        assert.equal(moved.delivered, expected, what);
        for (let p = 1; p < ports; p++) assert.ok(!(model.isPending(p) && !model.isMasked(p)), `${what}: port ${p}`);
        if (subject.module.family === 'bitmap') assert.equal(raised, 0, what);
        else fifoRaised += raised;
      }
    }
  }
  assert.ok(fifoRaised > 0, 'some migration found FIFO events queued: the check is not vacuous');
});

test('restoreState puts back bindings, closes and priorities changed after saveState (counted and timed models)', () => {
  for (const subject of SUBJECTS) {
    const config = subject.config(64, 4096, 2);
    for (const make of [subject.module.create, subject.module.createTimed]) {
      const deliver = (m: ReturnType<typeof make>): number[] => {
        const got: number[] = [];
        for (const port of [5, 7, 9, 300]) m.setPending(port);
        for (const v of [0, 1]) m.upcall(v, { handle: (vcpu, port) => got.push(vcpu, port) });
        return got;
      };
      const fresh = deliver(make(config));
      // one change at a time: each must mark the bindings for the restore by itself
      const changes: Array<[string, (m: ReturnType<typeof make>) => void]> = [
        ['bind', (m) => m.bind(5, 1)],
        ['close', (m) => m.close(7)],
        ['set_priority', (m) => m.setPriority(9, 3)],
        ['bind_virq timer', (m) => m.bindTimer(300, 1)],
      ];
      for (const [what, change] of changes) {
        const m = make(config);
        m.saveState();
        change(m);
        m.restoreState();
        const kind = make === subject.module.create ? 'counted' : 'timed';
        assert.deepEqual(deliver(m), fresh, `${subject.name} ${kind}: ${what}`);
      }
    }
  }
});
