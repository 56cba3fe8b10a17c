import { test } from 'node:test';
import assert from 'node:assert/strict';
import { explore, formatTrace, SPIN_PREFIX, type Model } from '../../src/harness/explore.js';

interface Counter {
  x: number;
  done: number;
}

/** Two threads doing `x = x + 1` as a read step and a write step: the classic lost update. */
function lostUpdate(threads = 2): Model<Counter> {
  const inc = function* (s: Counter): Generator<string, void, void> {
    const tmp = s.x;
    yield `read x=${tmp}`;
    s.x = tmp + 1;
    s.done++;
  };
  return {
    init: () => ({ x: 0, done: 0 }),
    programs: Array.from({ length: threads }, (_, i) => ({ name: `cpu${i}`, program: inc })),
    check: (s) =>
      s.done === threads && s.x !== threads ? { violation: `lost update: x=${s.x}`, size: threads - s.x } : null,
  };
}

/** The locked version: each increment is one atomic step; k increments per thread. */
function locked(threads: number, k: number): Model<Counter> {
  const inc = function* (s: Counter): Generator<string, void, void> {
    for (let i = 0; i < k; i++) {
      if (i > 0) yield 'inc';
      s.x++;
    }
    s.done++;
  };
  return {
    init: () => ({ x: 0, done: 0 }),
    programs: Array.from({ length: threads }, (_, i) => ({ name: `cpu${i}`, program: inc })),
    check: (s) => (s.done === threads && s.x !== threads * k ? { violation: `x=${s.x}`, size: 1 } : null),
  };
}

const binomial = (n: number, k: number): number => {
  let r = 1;
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
  return r;
};

const opts = { maxSteps: 100, maxInterleavings: 100_000, randomRuns: 0, seed: 1 };

test('lost update is found, with the shortest counterexample of 4 steps', () => {
  const r = explore(lostUpdate(), opts);
  assert.equal(r.exhaustive, true);
  assert.equal(r.interleavings, 6); // C(4,2)
  assert.equal(r.violations, 4); // all but the two serial orders
  assert.equal(r.worst, 1);
  assert.ok(r.shortest);
  assert.equal(r.shortest.steps.length, 4);
  assert.equal(r.shortest.steps.filter((s) => s.label.startsWith('read')).length, 2);
  assert.ok(
    r.shortest.steps.slice(0, 2).every((s) => s.label.startsWith('read')),
    'both reads precede both writes',
  );
  const text = formatTrace(r);
  assert.match(text, /shortest counterexample \(4 steps\): lost update: x=1/);
  assert.match(text, /^1\. cpu0 +read x=0$/m);
  assert.equal(text.split('\n').length, 5);
});

test('three threads: lost update worst case loses two increments', () => {
  const r = explore(lostUpdate(3), opts);
  assert.equal(r.exhaustive, true);
  assert.equal(r.interleavings, 90); // 6! / (2!^3)
  assert.equal(r.worst, 2);
  assert.equal(r.shortest?.steps.length, 6);
});

test('the locked version has no violation and the binomial number of interleavings', () => {
  for (const k of [1, 2, 3, 5]) {
    const r = explore(locked(2, k), opts);
    assert.equal(r.exhaustive, true);
    assert.equal(r.violations, 0);
    assert.equal(r.worst, 0);
    assert.equal(r.shortest, null);
    assert.equal(r.interleavings, binomial(2 * k, k), `k=${k}`);
    assert.equal(r.truncated, 0);
  }
  const three = explore(locked(3, 2), opts);
  assert.equal(three.interleavings, 90); // multinomial 6!/(2!2!2!)
  assert.match(formatTrace(three), /no violation found/);
});

test('a trailing yield makes the empty return one more step', () => {
  const m: Model<Counter> = {
    init: () => ({ x: 0, done: 0 }),
    programs: [0, 1].map((i) => ({
      name: `t${i}`,
      program: function* (s: Counter) {
        s.x++;
        yield 'inc';
      },
    })),
    check: () => null,
  };
  assert.equal(explore(m, opts).interleavings, binomial(4, 2));
});

test('preemption bound: 0 gives the serial orders, 1 gives 2k schedules', () => {
  const k = 4;
  assert.equal(explore(locked(2, k), { ...opts, preemptionBound: 0 }).interleavings, 2);
  const one = explore(locked(2, k), { ...opts, preemptionBound: 1 });
  assert.equal(one.interleavings, 2 * k);
  assert.equal(one.exhaustive, true);
  // the lost update needs one preemption: A reads, B reads (preempting A), B writes and ends, A writes
  const lu = explore(lostUpdate(), { ...opts, preemptionBound: 1 });
  assert.ok(lu.violations > 0);
  assert.equal(explore(lostUpdate(), { ...opts, preemptionBound: 0 }).violations, 0);
});

test('maxSteps truncates and is reported', () => {
  const r = explore(locked(2, 3), { ...opts, maxSteps: 4 });
  assert.equal(r.exhaustive, true);
  assert.ok(r.truncated > 0);
  assert.equal(r.interleavings, 14); // length-4 prefixes over two 3-step threads: 2^4 minus AAAA and BBBB
});

test('random mode is reproducible from its seed and used only beyond the budget', () => {
  const o = { maxSteps: 100, maxInterleavings: 2, randomRuns: 40, seed: 1234 };
  const a = explore(locked(3, 3), o);
  const b = explore(locked(3, 3), o);
  assert.equal(a.exhaustive, false);
  assert.equal(a.randomInterleavings, 40);
  assert.equal(a.interleavings, 42);
  assert.deepEqual(a, b);
  const la = explore(lostUpdate(3), o);
  const lb = explore(lostUpdate(3), o);
  assert.deepEqual(la, lb);
  assert.ok(la.violations > 0);
  // a different seed is a different stream (with overwhelming probability different counts or trace)
  const seeds = [1, 2, 3, 4, 5].map((seed) => explore(lostUpdate(3), { ...o, seed }).violations);
  assert.ok(new Set(seeds).size > 1, `violations per seed: ${seeds.join(',')}`);
});

test('a nondeterministic model is reported, not silently explored', () => {
  let flip = 0;
  const m: Model<{ n: number }> = {
    init: () => ({ n: flip++ }),
    programs: [
      {
        name: 'a',
        program: function* (s) {
          if (s.n % 2 === 0) {
            yield 'x';
            yield 'y';
          }
        },
      },
      {
        name: 'b',
        program: function* () {
          yield 'z';
        },
      },
    ],
    check: () => null,
  };
  assert.throws(() => explore(m, opts), /not deterministic/);
});

interface Locked {
  lock: number;
  x: number;
  done: number;
}

/** a spin lock around a two-step increment: the waits are SPIN_PREFIX steps */
function spinLocked(k: number, withLock = true): Model<Locked> {
  const inc = (me: number) =>
    function* (s: Locked): Generator<string, void, void> {
      for (let i = 0; i < k; i++) {
        if (withLock) {
          while (s.lock !== 0) yield `${SPIN_PREFIX}lock held by ${s.lock}`;
          s.lock = me;
          yield 'lock';
        }
        const tmp = s.x;
        yield 'read';
        s.x = tmp + 1;
        if (withLock) s.lock = 0;
        yield 'write, unlock';
      }
      s.done++;
    };
  return {
    init: () => ({ lock: 0, x: 0, done: 0 }),
    programs: [
      { name: 'a', program: inc(1) },
      { name: 'b', program: inc(2) },
    ],
    check: (s) => (s.done === 2 && s.x !== 2 * k ? { violation: `x=${s.x}`, size: 2 * k - s.x } : null),
  };
}

test('spin waits stay finite: a spin lock is exhaustively safe, without it the update is lost', () => {
  const r = explore(spinLocked(2), opts);
  assert.equal(r.exhaustive, true);
  assert.equal(r.violations, 0);
  assert.equal(r.truncated, 0);
  assert.equal(r.deadlocks, 0);
  const unlocked = explore(spinLocked(2, false), opts);
  assert.ok(unlocked.violations > 0);
  assert.equal(unlocked.worst, 2);
});

test('every thread waiting ends the interleaving as a deadlock', () => {
  const m: Model<{ a: boolean; b: boolean }> = {
    init: () => ({ a: false, b: false }),
    programs: [
      {
        name: 'a',
        program: function* (s) {
          while (!s.b) yield `${SPIN_PREFIX}wait for b`;
          s.a = true;
        },
      },
      {
        name: 'b',
        program: function* (s) {
          while (!s.a) yield `${SPIN_PREFIX}wait for a`;
          s.b = true;
        },
      },
    ],
    check: () => null,
  };
  const r = explore(m, opts);
  assert.equal(r.exhaustive, true);
  assert.equal(r.deadlocks, r.interleavings);
  assert.ok(r.interleavings >= 1);
});
