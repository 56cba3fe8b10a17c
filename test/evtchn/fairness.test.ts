// Fairness of the Linux resume cursor (Linux drivers/xen/events/events_2l.c:
// evtchn_2l_handle_events): a static set of pending ports is handled in cyclic port order
// from the cursor, and a port re-raised by its own handler without end cannot starve the
// others.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { WORK_LOOPS, type EventHandler, type EvtchnPortOps } from '../../src/evtchn/abi.js';
import { replay } from '../../src/evtchn/replay.js';
import { TwoLevel } from '../../src/evtchn/twolevel.js';
import { NLevel } from '../../src/evtchn/nlevel.js';
import { SUBJECTS } from './variants.js';
import { portsSeen, stream, type Step } from './build.js';

class Collect implements EventHandler {
  seen: number[] = [];
  handle(_v: number, port: number): void {
    this.seen.push(port);
  }
}

const cursorModels: Array<[string, (w: 32 | 64) => EvtchnPortOps]> = [
  ['2-level', (w) => new TwoLevel({ wordBits: w, depth: 2, vcpus: 1, ports: w * w })],
  ['N-level depth 2', (w) => new NLevel({ wordBits: w, depth: 2, vcpus: 1, ports: w * w })],
  ['N-level depth 3', (w) => new NLevel({ wordBits: w, depth: 3, vcpus: 1, ports: w ** 3 })],
];

for (const [name, make] of cursorModels) {
  test(`${name}: pending ports are handled in cyclic order from the cursor, which ends past the last one`, () => {
    fc.assert(
      fc.property(
        fc.constantFrom(32 as const, 64 as const),
        fc.integer({ min: 0, max: 1 << 20 }),
        fc.uniqueArray(fc.integer({ min: 1, max: 1 << 20 }), { minLength: 1, maxLength: 200 }),
        (w, cursorSeed, portSeeds) => {
          const abi = make(w);
          const cap = abi.capacity;
          const h = new Collect();
          // place the cursor at c by handling port c - 1 (c = 0 is the fresh cursor)
          const c = cursorSeed % cap === 1 ? 2 : cursorSeed % cap;
          if (c !== 0) {
            abi.setPending(c - 1);
            abi.upcall(0, h);
          }
          const ports = [...new Set(portSeeds.map((p) => 1 + (p % (cap - 1))))];
          for (const p of ports) abi.setPending(p);
          h.seen = [];
          abi.upcall(0, h);
          const expected = [...ports].sort((a, b) => ((a - c + cap) % cap) - ((b - c + cap) % cap));
          assert.deepEqual(h.seen, expected);
          // the next scan starts just after the last port handled: that port comes first, and
          // the last port itself comes last of all
          const last = expected[expected.length - 1]!;
          const next = (last + 1) % cap || 1;
          abi.setPending(last);
          abi.setPending(next);
          h.seen = [];
          abi.upcall(0, h);
          assert.deepEqual(h.seen, [next, last]);
        },
      ),
      { numRuns: 200 },
    );
  });
}

/** k ports pending on one vCPU, one of them re-raised by its handler `reraises` times */
function hotScenario(_ports: number, others: number[], hot: number, reraises: number): Step[] {
  const steps: Step[] = others.map((p) => ['send', p] as Step);
  steps.push(['send', hot], ['hot', hot, reraises], ['upcall', 0]);
  return steps;
}

for (const subject of SUBJECTS) {
  test(`${subject.name}: a continuously re-raised port cannot starve the others (wait <= other pending ports)`, () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: 4095 }), { minLength: 2, maxLength: 300 }),
        fc.integer({ min: 1, max: 2000 }),
        (distinct, reraises) => {
          const [hot, ...others] = distinct as [number, ...number[]];
          const load = stream(4096, 1, hotScenario(4096, others, hot, reraises));
          const obs = replay(subject.module.create(subject.config(64, 4096, 1)), load);
          const seen = portsSeen(obs.deliveries);
          assert.equal(seen.filter((p) => p === hot).length, reraises + 1);
          for (const p of others) assert.equal(seen.filter((q) => q === p).length, 1, `port ${p}`);
          assert.ok(
            obs.worstWait <= others.length,
            `worst wait ${obs.worstWait} > ${others.length} other pending ports`,
          );
        },
      ),
      { numRuns: 100 },
    );
  });
}

test('the bound has teeth: the pre-cursor scan (lowest port first, rescanned after every port) starves', () => {
  // the 2007 pvops scan: always restart from the lowest pending port
  const pending = new Set<number>([3, 500, 4000]);
  const hot = 3;
  let reraises = 1000;
  let handled = 0;
  const waitedFor = new Map<number, number>();
  while (pending.size > 0) {
    const port = Math.min(...pending);
    pending.delete(port);
    waitedFor.set(port, handled);
    handled++;
    if (port === hot && reraises-- > 0) pending.add(hot);
  }
  assert.ok(waitedFor.get(4000)! > 2, 'under the old scan port 4000 waits for every re-raise of port 3');
});

class ReraiseOnce implements EventHandler {
  readonly seen: Array<[number, number]> = [];
  private readonly raised = new Set<number>();
  constructor(private readonly abi: EvtchnPortOps) {}
  handle(_v: number, port: number): void {
    this.seen.push([this.abi.work[WORK_LOOPS]!, port]);
    if (!this.raised.has(port)) {
      this.raised.add(port);
      this.abi.setPending(port);
    }
  }
}

for (const [name, make] of cursorModels) {
  test(`${name}: with every port re-raised once by its handler, one scan handles a port at most twice, and only start-word ports at or after the cursor twice`, () => {
    fc.assert(
      fc.property(
        fc.constantFrom(32 as const, 64 as const),
        fc.integer({ min: 2, max: 1 << 20 }),
        fc.uniqueArray(fc.integer({ min: 1, max: 1 << 20 }), { minLength: 1, maxLength: 150 }),
        (w, cursorSeed, portSeeds) => {
          const abi = make(w);
          const cap = abi.capacity;
          const c = Math.max(2, cursorSeed % cap);
          abi.setPending(c - 1);
          abi.upcall(0, new Collect());
          const ports = [...new Set(portSeeds.map((p) => 1 + (p % (cap - 1))))];
          for (const p of ports) abi.setPending(p);
          const h = new ReraiseOnce(abi);
          abi.upcall(0, h);
          const firstLoop = h.seen[0]![0];
          const inFirst = h.seen.filter(([loop]) => loop === firstLoop).map(([, p]) => p);
          const startWord = Math.floor(c / w);
          for (const p of new Set(inFirst)) {
            const n = inFirst.filter((q) => q === p).length;
            assert.ok(n <= 2, `port ${p} handled ${n} times in one scan`);
            if (n === 2)
              assert.ok(Math.floor(p / w) === startWord && p >= c, `port ${p} handled twice but cursor is ${c}`);
          }
          // nothing is lost: every port is handled exactly twice over the whole upcall
          for (const p of ports) assert.equal(h.seen.filter(([, q]) => q === p).length, 2);
        },
      ),
      { numRuns: 150 },
    );
  });
}
