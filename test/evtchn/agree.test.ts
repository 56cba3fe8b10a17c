// Every model against its reference, and N-level at depth 2 against 2-level, over many
// random loads (property-based: fast-check picks seed, load kind, word size, density, vCPUs).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { generate, LOAD_KINDS } from '../../src/evtchn/load.js';
import { firstDifference, replay } from '../../src/evtchn/replay.js';
import { TwoLevel } from '../../src/evtchn/twolevel.js';
import { NLevel } from '../../src/evtchn/nlevel.js';
import { SUBJECTS } from './variants.js';

const shapes = fc.record({
  seed: fc.integer({ min: 0, max: 0xffffffff }),
  kind: fc.constantFrom(...LOAD_KINDS),
  wordBits: fc.constantFrom(32 as const, 64 as const),
  density: fc.constantFrom(0.002, 0.02, 0.1, 0.5),
  vcpus: fc.integer({ min: 1, max: 5 }),
  // fewer ports than the capacity too: the load then uses the low ports only
  portsFraction: fc.constantFrom(1, 0.5, 0.1),
});

for (const subject of SUBJECTS) {
  test(`${subject.name} delivers what its reference delivers, in the same order`, () => {
    fc.assert(
      fc.property(shapes, (s) => {
        const full = subject.module.capacity(subject.config(s.wordBits, 2, s.vcpus));
        // keep the depth-3 trees to at most 32768 ports here; 262144 has its own test
        const ports = Math.max(2, Math.floor(Math.min(full, 32768) * s.portsFraction));
        const config = subject.config(s.wordBits, ports, s.vcpus);
        const load = generate({ kind: s.kind, ports, density: s.density, vcpus: s.vcpus }, s.seed);
        const expected = replay(subject.reference(config), load);
        const actual = replay(subject.module.create(config), load);
        const diff = firstDifference(expected, actual);
        assert.equal(diff, null, `first difference: ${JSON.stringify(diff)}`);
        assert.ok(expected.deliveries.length > 0, 'the load delivered nothing: the comparison would be vacuous');
      }),
      { numRuns: 60 },
    );
  });
}

test('N-level at depth 2 is observably identical to 2-level on every load', () => {
  fc.assert(
    fc.property(shapes, (s) => {
      const ports = Math.max(2, Math.floor(s.wordBits * s.wordBits * s.portsFraction));
      const config = { wordBits: s.wordBits, depth: 2, ports, vcpus: s.vcpus };
      const load = generate({ kind: s.kind, ports, density: s.density, vcpus: s.vcpus }, s.seed);
      const a = replay(new TwoLevel(config), load);
      const b = replay(new NLevel(config), load);
      assert.deepEqual(b.deliveries, a.deliveries);
      assert.equal(b.worstWait, a.worstWait);
    }),
    { numRuns: 150 },
  );
});

test('N-level at depth 2 does the same work as 2-level: words read, xchgs, upcalls, RMWs', () => {
  for (const kind of LOAD_KINDS) {
    for (const wordBits of [32, 64] as const) {
      const ports = wordBits * wordBits;
      const config = { wordBits, depth: 2, ports, vcpus: 3 };
      const load = generate({ kind, ports, density: 0.05, vcpus: 3 }, 7);
      const a = new TwoLevel(config);
      const b = new NLevel(config);
      replay(a, load);
      replay(b, load);
      assert.deepEqual(Array.from(b.work), Array.from(a.work), `${kind} W=${wordBits}`);
    }
  }
});

test('the gate has teeth: a model that loses one send in fifty disagrees with the reference', () => {
  const config = { wordBits: 64 as const, depth: 2, ports: 4096, vcpus: 2 };
  const load = generate({ kind: 'sparse', ports: 4096, density: 0.05, vcpus: 2 }, 3);
  const lossy = new TwoLevel(config);
  const setPending = lossy.setPending.bind(lossy);
  let n = 0;
  lossy.setPending = (port: number) => {
    if (++n % 50 !== 0) setPending(port);
  };
  const diff = firstDifference(replay(SUBJECTS[0]!.reference(config), load), replay(lossy, load));
  assert.ok(diff !== null);
  assert.ok(diff.at >= 0 && diff.at < load.length);
});

test('N-level at depth 4 (W=32, 2^20 ports) agrees with the reference: two inner selector levels', () => {
  const ports = 32 ** 4;
  for (const kind of ['sparse', 'hot', 'churn'] as const) {
    for (const seed of [1]) {
      // one vCPU: spreading 2^20 ports over several would make the prologue the test's cost
      const config = { wordBits: 32 as const, depth: 4, ports, vcpus: 1 };
      const load = generate({ kind, ports, density: 0.0005, vcpus: 1 }, seed);
      const diff = firstDifference(replay(SUBJECTS[2]!.reference(config), load), replay(new NLevel(config), load));
      assert.equal(diff, null, `${kind} seed ${seed}: ${JSON.stringify(diff)}`);
    }
  }
});
