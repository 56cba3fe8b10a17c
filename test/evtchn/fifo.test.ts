// FIFO ordering (Xen xen/common/event_fifo.c, Linux drivers/xen/events/events_fifo.c):
// first sent, first delivered within a priority; a port re-raised from its handler goes to
// the tail; a linked port is not reordered by a second send; a masked linked port is
// skipped and relinked at the tail on unmask.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Fifo } from '../../src/evtchn/fifo.js';
import { replay } from '../../src/evtchn/replay.js';
import { portsSeen, stream, type Step } from './build.js';

const make = (vcpus = 1) => new Fifo({ wordBits: 64, depth: 2, vcpus, ports: 8192 });

test('ports are delivered in the order they were sent', () => {
  fc.assert(
    fc.property(fc.uniqueArray(fc.integer({ min: 1, max: 8191 }), { minLength: 1, maxLength: 300 }), (ports) => {
      const steps: Step[] = ports.map((p) => ['send', p] as Step);
      steps.push(['upcall', 0]);
      assert.deepEqual(portsSeen(replay(make(), stream(8192, 1, steps)).deliveries), ports);
    }),
    { numRuns: 100 },
  );
});

test('a second send of a queued port does not move it; a re-raise from the handler goes to the tail', () => {
  const obs = replay(
    make(),
    stream(8192, 1, [
      ['send', 30],
      ['send', 20],
      ['send', 10],
      ['send', 30],
      ['hot', 30, 1],
      ['upcall', 0],
    ]),
  );
  assert.deepEqual(portsSeen(obs.deliveries), [30, 20, 10, 30]);
});

test('a masked queued port is skipped, stays pending, and unmask appends it at the tail', () => {
  const abi = make();
  const seen: number[] = [];
  const h = { handle: (_v: number, p: number) => void seen.push(p) };
  abi.setPending(5);
  abi.setPending(6);
  abi.mask(5);
  abi.upcall(0, h);
  assert.deepEqual(seen, [6]);
  assert.ok(abi.isPending(5));
  abi.setPending(7);
  abi.unmask(5);
  abi.upcall(0, h);
  assert.deepEqual(seen, [6, 7, 5]);
});

test('queues are per vCPU: a rebound port still queued on its old vCPU is delivered there', () => {
  const obs = replay(
    make(2),
    stream(8192, 2, [
      ['send', 40],
      ['mask', 40],
      ['bind', 40, 1],
      ['unmask', 40],
      ['upcall', 1],
      ['upcall', 0],
    ]),
  );
  assert.deepEqual(portsSeen(obs.deliveries, 1), []);
  assert.deepEqual(portsSeen(obs.deliveries, 0), [40]);
  // once consumed, the next send goes to the new vCPU
  const again = replay(
    make(2),
    stream(8192, 2, [
      ['send', 40],
      ['upcall', 0],
      ['bind', 40, 1],
      ['send', 40],
      ['upcall', 1],
    ]),
  );
  assert.deepEqual(portsSeen(again.deliveries, 1), [40]);
});
