// Capacity: W^2 for 2-level, W^L for N-level, 2^17 for FIFO. A port at or beyond it is an
// error that names the capacity, never a silent wrap; the deepest reachable port works.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { EventHandler } from '../../src/evtchn/abi.js';
import { TwoLevel, capacity as twoLevelCapacity } from '../../src/evtchn/twolevel.js';
import { NLevel, capacity as nLevelCapacity } from '../../src/evtchn/nlevel.js';
import { Fifo } from '../../src/evtchn/fifo.js';
import { generate } from '../../src/evtchn/load.js';
import { replay } from '../../src/evtchn/replay.js';

const ignore: EventHandler = { handle: () => {} };

test('capacities are W^2, W^L and 2^17', () => {
  assert.equal(twoLevelCapacity({ wordBits: 64 }), 4096);
  assert.equal(twoLevelCapacity({ wordBits: 32 }), 1024);
  assert.equal(nLevelCapacity({ wordBits: 64, depth: 3 }), 262144);
  assert.equal(nLevelCapacity({ wordBits: 32, depth: 3 }), 32768);
  assert.equal(new Fifo({ wordBits: 64, depth: 2, vcpus: 1, ports: 2 }).capacity, 131072);
});

const cases: Array<
  [
    string,
    () => {
      setPending(p: number): void;
      mask(p: number): void;
      unmask(p: number): void;
      bind(p: number, v: number): void;
    },
    number,
  ]
> = [
  ['2-level W=64', () => new TwoLevel({ wordBits: 64, depth: 2, vcpus: 1, ports: 4096 }), 4096],
  ['2-level W=32', () => new TwoLevel({ wordBits: 32, depth: 2, vcpus: 1, ports: 1024 }), 1024],
  ['N-level W=64 depth 3', () => new NLevel({ wordBits: 64, depth: 3, vcpus: 1, ports: 262144 }), 262144],
  ['N-level W=32 depth 3', () => new NLevel({ wordBits: 32, depth: 3, vcpus: 1, ports: 32768 }), 32768],
  ['N-level W=64 depth 2', () => new NLevel({ wordBits: 64, depth: 2, vcpus: 1, ports: 4096 }), 4096],
  ['fifo', () => new Fifo({ wordBits: 64, depth: 2, vcpus: 1, ports: 131072 }), 131072],
];

for (const [name, make, cap] of cases) {
  test(`${name}: a port at or beyond ${cap} is a RangeError naming the capacity; port 0 is reserved`, () => {
    const abi = make();
    for (const port of [cap, cap + 1, 2 * cap, cap * 64]) {
      for (const op of ['setPending', 'mask', 'unmask'] as const) {
        assert.throws(
          () => abi[op](port),
          (e: unknown) => e instanceof RangeError && e.message.includes(String(cap)),
          `${op}(${port})`,
        );
      }
      assert.throws(
        () => abi.bind(port, 0),
        (e: unknown) => e instanceof RangeError && e.message.includes(String(cap)),
      );
    }
    assert.throws(() => abi.setPending(0), /reserved/);
    assert.throws(() => abi.setPending(-1), RangeError);
    abi.setPending(cap - 1); // the last port is fine
  });
}

test('asking for more ports than the capacity fails at construction, naming the capacity', () => {
  assert.throws(() => new TwoLevel({ wordBits: 64, depth: 2, vcpus: 1, ports: 4097 }), /4096/);
  assert.throws(() => new TwoLevel({ wordBits: 32, depth: 2, vcpus: 1, ports: 4096 }), /1024/);
  assert.throws(() => new NLevel({ wordBits: 64, depth: 3, vcpus: 1, ports: 262145 }), /262144/);
  assert.throws(() => new Fifo({ wordBits: 64, depth: 2, vcpus: 1, ports: 262144 }), /131072/);
  assert.throws(() => new NLevel({ wordBits: 64, depth: 1, vcpus: 1, ports: 64 }), /depth/);
});

test('N-level at depth 3 with W=64 reaches all 262144 ports: a storm delivers each exactly once', () => {
  const ports = 262144;
  const abi = new NLevel({ wordBits: 64, depth: 3, vcpus: 2, ports });
  const obs = replay(abi, generate({ kind: 'storm', ports, density: 1, vcpus: 2 }, 11));
  assert.equal(obs.deliveries.length / 3, 2 * (ports - 1));
  for (let p = 1; p < ports; p++) assert.equal(obs.deliveriesPerPort[p], 2);
  assert.equal(obs.spurious, 0);
  assert.equal(obs.misrouted, 0);
});

test('the highest port of each ABI is delivered', () => {
  for (const [, make, cap] of cases) {
    const abi = make() as unknown as NLevel;
    const seen: number[] = [];
    abi.setPending(cap - 1);
    abi.upcall(0, { handle: (_v, p) => void seen.push(p) });
    assert.deepEqual(seen, [cap - 1]);
    abi.upcall(0, ignore);
  }
});
