// The rules of the real code that the newer loads depend on: Xen refuses to rebind per-vCPU
// ports; the 2-level scan takes the timer first and FIFO gets there by priority; lateeoi
// holds a storm to one event per EOI; unmask hypercalls as Linux makes them; FIFO locks its
// queue on every send; a domain's port limit refuses allocations.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WORK_QUEUE_LOCKS, WORK_UNMASK_HYPERCALLS } from '../../src/evtchn/abi.js';
import { Fifo } from '../../src/evtchn/fifo.js';
import { evtchnLoad, generate, OP_REFUSED, OP_OPEN, shapeOf } from '../../src/evtchn/load.js';
import { firstDifference, replay } from '../../src/evtchn/replay.js';
import { TwoLevel } from '../../src/evtchn/twolevel.js';
import { NLevel } from '../../src/evtchn/nlevel.js';
import { portsSeen, stream } from './build.js';
import { SUBJECTS } from './variants.js';

const config = (vcpus = 2) => ({ wordBits: 64 as const, depth: 2, vcpus, ports: 4096 });

test('a per-vCPU VIRQ or IPI port cannot be rebound: the load is refused, naming the rule', () => {
  const params = { abi: 64, depth: 2, ports: 4096, vcpus: 2, load: 'single' };
  for (const op of ['ipi', 'timer']) {
    const rows = [
      { op, port: '3', arg: '0' },
      { op: 'begin', port: '0', arg: '0' },
      { op: 'bind', port: '3', arg: '1' },
    ];
    assert.throws(() => evtchnLoad.fromRows(rows, params), /per-vCPU VIRQ or IPI.*evtchn_bind_vcpu.*-EINVAL/);
  }
  assert.doesNotThrow(() => evtchnLoad.fromRows([{ op: 'bind', port: '3', arg: '1' }], params));
});

test('the timer comes first: 2-level by its pre-check, FIFO by priority 0, and only then by port order', () => {
  const steps = [
    ['timer', 100, 0],
    ['priority', 100, 0],
    ['send', 5],
    ['send', 7],
    ['send', 100],
    ['upcall', 0],
  ] as const;
  const load = stream(4096, 1, steps as never);
  for (const subject of SUBJECTS) {
    const c = subject.config(64, 4096, 1);
    const seen = replay(subject.module.create(c), load);
    assert.deepEqual(portsSeen(seen.deliveries), [100, 5, 7], subject.name);
    assert.equal(firstDifference(replay(subject.reference(c), load), seen), null);
  }
  // without the priority, FIFO keeps the order of the sends
  const plain = stream(4096, 1, [
    ['timer', 100, 0],
    ['send', 5],
    ['send', 100],
    ['send', 7],
    ['upcall', 0],
  ]);
  assert.deepEqual(portsSeen(replay(new Fifo(config(1)), plain).deliveries), [5, 100, 7]);
  assert.deepEqual(portsSeen(replay(new TwoLevel(config(1)), plain).deliveries), [100, 5, 7]);
});

test('lateeoi: the ack masks the port until the EOI, so a storm coalesces and nothing is lost', () => {
  const base = { ports: 4096, vcpus: 2, density: 0.01 };
  for (const subject of SUBJECTS) {
    const c = subject.config(64, 4096, 2);
    const plain = replay(subject.module.create(c), generate(shapeOf({ ...base, load: 'rogue' }), 4));
    const late = replay(subject.module.create(c), generate(shapeOf({ ...base, load: 'rogue-lateeoi' }), 4));
    const hottest = (o: typeof plain) => Math.max(...o.deliveriesPerPort);
    assert.ok(hottest(late) * 2 < hottest(plain), `${subject.name}: ${hottest(late)} vs ${hottest(plain)}`);
    assert.equal(late.leftPending, 0);
    assert.equal(late.spurious, 0);
  }
  // one delivery, masked by the ack; a send while masked waits for the EOI's unmask
  const s = stream(4096, 1, [
    ['lateeoi', 9],
    ['send', 9],
    ['upcall', 0],
    ['send', 9],
    ['upcall', 0],
    ['eoi', 9, 0],
    ['upcall', 0],
  ]);
  const o = replay(new TwoLevel(config(1)), s);
  assert.deepEqual(
    o.deliveries.filter((_, i) => i % 3 === 0),
    [3, 7],
    'delivered at the first upcall and after the EOI, not in between',
  );
});

test('unmask hypercalls as Linux makes them: 2-level for a port bound elsewhere, FIFO for a pending port', () => {
  const two = new TwoLevel(config());
  two.bind(5, 1);
  two.mask(5);
  two.unmask(5, 1);
  assert.equal(two.work[WORK_UNMASK_HYPERCALLS], 0, 'bound here: the guest clears the mask itself');
  two.mask(5);
  two.unmask(5, 0);
  assert.equal(two.work[WORK_UNMASK_HYPERCALLS], 1, 'bound to vCPU 1, unmasked on vCPU 0');
  const fifo = new Fifo(config());
  fifo.mask(5);
  fifo.unmask(5, 0);
  assert.equal(fifo.work[WORK_UNMASK_HYPERCALLS], 0, 'not pending: clear_masked_cond does it');
  fifo.mask(5);
  fifo.setPending(5);
  fifo.unmask(5, 0);
  assert.equal(fifo.work[WORK_UNMASK_HYPERCALLS], 1, 'pending: only Xen can link it');
});

test('Xen FIFO takes the queue lock on every send, coalesced or masked, and both locks when the port moved', () => {
  const fifo = new Fifo(config());
  fifo.setPending(5);
  fifo.setPending(5);
  assert.equal(fifo.work[WORK_QUEUE_LOCKS], 2);
  fifo.bind(5, 1);
  fifo.setPending(6);
  fifo.setPending(5); // still linked on vCPU 0's queue, now notifying vCPU 1: two queues
  assert.equal(fifo.work[WORK_QUEUE_LOCKS], 5);
  const two = new TwoLevel(config());
  two.setPending(5);
  assert.equal(two.work[WORK_QUEUE_LOCKS], 0);
});

test('devices coming and going at a limit: lowest free port first, never past the limit, then -ENOSPC', () => {
  const load = generate(shapeOf({ load: 'open', ports: 4096, vcpus: 4, limit: 1023 }), 1);
  let refused = 0;
  for (let i = 0; i < load.length; i++) {
    if (load.op[i] === OP_OPEN) assert.ok(load.port[i]! <= 1023);
    if (load.op[i] === OP_REFUSED) refused++;
  }
  assert.ok(refused > 0, 'the stream grows until allocations are refused');
  for (const subject of SUBJECTS) {
    const c = subject.config(64, 4096, 4);
    const o = replay(subject.module.create(c), load);
    assert.equal(o.refused, refused);
    assert.equal(firstDifference(replay(subject.reference(c), load), o), null, subject.name);
    assert.equal(o.leftPending, 0);
  }
});

test('a send arriving during the scan is delivered in the same upcall, by every model', () => {
  const load = stream(4096, 1, [
    ['send', 10],
    ['send', 3000],
    ['during', 20, 1],
    ['during', 2, 2],
    ['upcall', 0],
  ]);
  for (const subject of SUBJECTS) {
    const o = replay(subject.module.create(subject.config(64, 4096, 1)), load);
    assert.deepEqual(
      o.deliveries.filter((_, i) => i % 3 === 0),
      [5, 5, 5, 5],
      subject.name,
    );
    assert.deepEqual(
      portsSeen(o.deliveries).sort((a, b) => a - b),
      [2, 10, 20, 3000],
    );
  }
  const n = replay(new NLevel({ ...config(1), depth: 3, ports: 32768 }), load);
  assert.equal(n.deliveries.length / 3, 4);
});

test('the debug dump walks every port of every allocated bucket under one hold of the event lock', async () => {
  const { dumpPorts } = await import('../../src/evtchn/suite.js');
  const dom0 = (ports: number) => generate(shapeOf({ load: 'dom0', ports, vcpus: 4 }), 1);
  assert.equal(dumpPorts(dom0(4096)), 4095);
  assert.equal(dumpPorts(dom0(262144)), 262143);
  assert.equal(
    dumpPorts(
      stream(4096, 1, [
        ['send', 70],
        ['upcall', 0],
      ]),
    ),
    127,
    'two buckets of 64',
  );
});

test('after a migration the guest registers its extension again: nothing for 2-level, bitmaps and selectors for N-level, control blocks and event pages for FIFO', () => {
  assert.deepEqual(new TwoLevel(config(4)).reregistration(), { hypercalls: 0, pages: 0 });
  const n = new NLevel({ wordBits: 64, depth: 3, vcpus: 4, ports: 262144 });
  assert.deepEqual(n.reregistration(), { hypercalls: 1 + 4, pages: 2 * 8 + 4 });
  const partly = new NLevel({ wordBits: 64, depth: 3, vcpus: 4, ports: 40000 });
  assert.deepEqual(partly.reregistration(), { hypercalls: 5, pages: 2 * 2 + 4 });
  assert.deepEqual(new Fifo(config(4)).reregistration(), { hypercalls: 4 + 4, pages: 4 + 4 });
});
