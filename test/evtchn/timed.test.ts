// The timed models (createTimed: no work counters, specialised per word size) deliver exactly
// what the counted models deliver, on every load kind and on random streams, through both the
// gate's recorder and the timed replay (the delivery sink or the full driver); they count
// nothing; and the gate catches a timed model that delivers anything else.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import suite from '../../bench/evtchn.js';
import { WORK_SLOTS } from '../../src/evtchn/abi.js';
import { generate, LOAD_KINDS, OP_BEGIN, OP_MASK, OP_SEND, OP_UNMASK, OP_UPCALL } from '../../src/evtchn/load.js';
import { shapeOf } from '../../src/evtchn/ops.js';
import { deliveryDigest, firstDifference, replay } from '../../src/evtchn/replay.js';
import { DeliverySink, needsDriver, StreamReplay } from '../../src/evtchn/stream.js';
import { timedDifference } from '../../src/evtchn/suite.js';
import { Rng } from '../../src/harness/kit.js';
import { runnable } from '../suite-helpers.js';
import { SUBJECTS } from './variants.js';

for (const subject of SUBJECTS) {
  test(`${subject.name}: the timed model delivers what the counted one does, on every load and word size`, () => {
    for (const kind of LOAD_KINDS) {
      for (const [wordBits, vcpus, seed] of [
        [64, 4, 5],
        [32, 3, 6],
        [64, 1, 7],
      ] as const) {
        const ports = Math.min(subject.module.capacity(subject.config(wordBits, 2, vcpus)), 4096);
        const config = subject.config(wordBits, ports, vcpus);
        const load = generate(shapeOf({ load: kind, ports, vcpus, density: 0.05 }), seed);
        const counted = replay(subject.module.create(config), load);
        const what = `${kind} W=${wordBits} vcpus=${vcpus}`;
        // the gate's recorder on the timed model: the same deliveries, in the same order
        const recorded = replay(subject.module.createTimed(config), load);
        assert.equal(firstDifference(counted, recorded), null, what);
        // the timed replay, as it is timed, sample after sample
        const model = subject.module.createTimed(config);
        const timed = new StreamReplay(model, load);
        for (let sample = 0; sample < 2; sample++) {
          timed.reset();
          timed.run();
          assert.equal(timedDifference(counted, load, timed), null, `${what} sample ${sample}`);
        }
        assert.deepEqual(
          Array.from(model.work),
          new Array(WORK_SLOTS).fill(0),
          `${what}: the timed model counts nothing`,
        );
      }
    }
  });

  test(`${subject.name}: the timed model delivers what the counted one does on random streams`, () => {
    const rng = new Rng(20261201);
    for (let trial = 0; trial < 40; trial++) {
      const wordBits = rng.int(2) === 0 ? 64 : 32;
      const vcpus = 1 + rng.int(3);
      const ports = Math.min(subject.module.capacity(subject.config(wordBits, 2, vcpus)), 2048);
      const config = subject.config(wordBits, ports, vcpus);
      // random sends and upcalls, with masks and unmasks between them, ending in a drain
      const op = [OP_BEGIN];
      const port = [0];
      const arg = [0];
      const steps = 50 + rng.int(400);
      for (let i = 0; i < steps; i++) {
        const r = rng.int(10);
        const p = 1 + rng.int(ports - 1);
        if (r < 6) op.push(OP_SEND);
        else if (r < 8) op.push(OP_UPCALL);
        else op.push(r === 8 ? OP_MASK : OP_UNMASK);
        port.push(op[op.length - 1] === OP_UPCALL ? 0 : p);
        arg.push(op[op.length - 1] === OP_UPCALL ? rng.int(vcpus) : 0);
      }
      for (let v = 0; v < vcpus; v++) {
        op.push(OP_UPCALL);
        port.push(0);
        arg.push(v);
      }
      const load = {
        ports,
        vcpus,
        length: op.length,
        op: Uint8Array.from(op),
        port: Int32Array.from(port),
        arg: Int32Array.from(arg),
      };
      const counted = replay(subject.module.create(config), load);
      const timed = new StreamReplay(subject.module.createTimed(config), load);
      timed.reset();
      timed.run();
      assert.equal(timedDifference(counted, load, timed), null, `trial ${trial} W=${wordBits} vcpus=${vcpus}`);
      assert.equal(firstDifference(counted, replay(subject.module.createTimed(config), load)), null);
    }
  });
}

test('a stream without lateeoi, hot or during ops is handled by the sink alone; one with them by the driver', () => {
  const twolevel = SUBJECTS[0]!;
  const config = twolevel.config(64, 4096, 4);
  for (const kind of LOAD_KINDS) {
    const load = generate(shapeOf({ load: kind, ports: 4096, vcpus: 4, density: 0.05 }), 3);
    const stream = new StreamReplay(twolevel.module.createTimed(config), load);
    const rules = kind === 'hot' || kind === 'rogue-lateeoi' || kind === 'during';
    assert.equal(needsDriver(load), rules, kind);
    assert.equal(stream.handler instanceof DeliverySink, !rules, kind);
  }
});

test('the timed check fails on a wrong digest or a wrong count', () => {
  const subject = SUBJECTS[0]!;
  const config = subject.config(64, 4096, 4);
  const load = generate(shapeOf({ load: 'sparse', ports: 4096, vcpus: 4, density: 0.05 }), 1);
  const counted = replay(subject.module.create(config), load);
  const n = counted.deliveries.length / 3;
  const digest = deliveryDigest(counted.deliveries);
  assert.ok(n > 0);
  assert.equal(timedDifference(counted, load, { delivered: n, digest }), null);
  const wrongDigest = timedDifference(counted, load, { delivered: n, digest: digest ^ 1 });
  assert.ok(wrongDigest);
  assert.match(wrongDigest.actual, /timed model/);
  assert.ok(timedDifference(counted, load, { delivered: n - 1, digest }));
});

test('a variant whose timed model delivers in another order fails the gate, and is never timed', async () => {
  const twolevel = await import('../../src/evtchn/twolevel.js');
  // the counted model is right; the timed one swaps the first two deliveries' ports
  const broken = {
    ...twolevel,
    createTimed: (config: Parameters<typeof twolevel.createTimed>[0]) => {
      const abi = twolevel.createTimed(config);
      const upcall = abi.upcall.bind(abi);
      let seen = 0;
      abi.upcall = (v, handler) =>
        upcall(v, {
          handle: (vcpu, port) => handler.handle(vcpu, seen++ === 0 ? port + 1 : seen === 2 ? port - 1 : port),
        });
      return abi;
    },
  };
  const params = { abi: 64, depth: 2, ports: 4096, density: 1, vcpus: 1, load: 'storm' };
  const p = runnable(await suite.prepare(broken, params, suite.load.generate(params, 1)));
  const gate = p.gate();
  assert.equal(gate.ok, false);
  if (!gate.ok) assert.match(`${gate.expected} / ${gate.actual}`, /timed model/);
  // the same variant with its own timed model passes
  const fine = runnable(await suite.prepare(twolevel, params, suite.load.generate(params, 1)));
  assert.equal(fine.gate().ok, true);
});
