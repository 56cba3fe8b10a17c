// No lost and no doubled events (Xen xen/common/event_2l.c, event_fifo.c): every send that does not coalesce is
// delivered exactly once; a masked port gets no upcall but stays pending and is delivered on
// unmask; a re-raise from the handler is not lost because the ack came first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { WORK_UPCALLS, type EventHandler } from '../../src/evtchn/abi.js';
import { generate, LOAD_KINDS } from '../../src/evtchn/load.js';
import { replay } from '../../src/evtchn/replay.js';
import { SUBJECTS } from './variants.js';
import { portsSeen, stream } from './build.js';

for (const subject of SUBJECTS) {
  test(`${subject.name}: every non-coalesced send is delivered exactly once`, () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 0xffffffff }),
        fc.constantFrom(...LOAD_KINDS),
        fc.constantFrom(32 as const, 64 as const),
        fc.integer({ min: 1, max: 4 }),
        (seed, kind, wordBits, vcpus) => {
          const ports = Math.min(subject.module.capacity(subject.config(wordBits, 2, vcpus)), 8192);
          const obs = replay(
            subject.module.create(subject.config(wordBits, ports, vcpus)),
            generate({ kind, ports, density: 0.05, vcpus }, seed),
          );
          assert.equal(obs.spurious, 0, 'a port was delivered that was not pending');
          assert.equal(obs.leftPending, 0, 'a pending, unmasked port was never delivered');
          for (let p = 1; p < ports; p++) {
            assert.equal(obs.deliveriesPerPort[p], obs.edgesPerPort[p], `port ${p}: ${obs.edgesPerPort[p]} edges`);
          }
          assert.ok(obs.edges > 0);
          // the bitmap ABIs deliver on the vCPU the port is bound to; FIFO may deliver a port
          // still queued on its old vCPU after a rebind, which is how Linux's FIFO behaves
          if (subject.module.family === 'bitmap') assert.equal(obs.misrouted, 0);
        },
      ),
      { numRuns: 40 },
    );
  });

  test(`${subject.name}: repeated sends to a pending port coalesce into one delivery`, () => {
    const c = subject.config(64, 4096, 1);
    const obs = replay(
      subject.module.create(c),
      stream(4096, 1, [
        ['send', 9],
        ['send', 9],
        ['send', 9],
        ['send', 100],
        ['send', 9],
        ['upcall', 0],
      ]),
    );
    assert.deepEqual(portsSeen(obs.deliveries), [9, 100]);
    assert.equal(obs.edges, 2);
  });

  test(`${subject.name}: a masked port gets no upcall but stays pending; unmask delivers it`, () => {
    for (const port of [1, 63, 64, 777, 4095]) {
      const abi = subject.module.create(subject.config(64, 4096, 2));
      const seen: number[] = [];
      const handler: EventHandler = { handle: (_v, p) => void seen.push(p) };
      abi.bind(port, 1);
      abi.mask(port);
      abi.setPending(port);
      assert.equal(abi.upcall(1, handler), 0);
      assert.equal(abi.work[WORK_UPCALLS], 0, 'no upcall may be taken for a masked port');
      assert.ok(abi.isPending(port), 'the masked port must stay pending');
      abi.unmask(port);
      assert.equal(abi.upcall(0, handler), 0, 'vCPU 0 is not the port’s vCPU');
      assert.equal(abi.upcall(1, handler), 1);
      assert.deepEqual(seen, [port]);
      assert.ok(!abi.isPending(port), 'delivery acks the port');
      abi.unmask(port); // unmasking an unmasked, idle port raises nothing
      assert.equal(abi.upcall(1, handler), 0);
    }
  });

  test(`${subject.name}: a port re-raised by its own handler is delivered again (ack before the driver)`, () => {
    const obs = replay(
      subject.module.create(subject.config(64, 4096, 1)),
      stream(4096, 1, [
        ['send', 5],
        ['send', 6],
        ['hot', 5, 1],
        ['upcall', 0],
      ]),
    );
    assert.equal(portsSeen(obs.deliveries).filter((p) => p === 5).length, 2);
    assert.equal(obs.leftPending, 0);
  });

  test(`${subject.name}: a port is delivered on the vCPU it is bound to`, () => {
    const obs = replay(
      subject.module.create(subject.config(64, 4096, 3)),
      stream(4096, 3, [
        ['bind', 70, 2],
        ['send', 70],
        ['send', 71],
        ['upcall', 1],
        ['upcall', 0],
        ['upcall', 2],
      ]),
    );
    assert.deepEqual(portsSeen(obs.deliveries, 0), [71]);
    assert.deepEqual(portsSeen(obs.deliveries, 1), []);
    assert.deepEqual(portsSeen(obs.deliveries, 2), [70]);
  });
}
