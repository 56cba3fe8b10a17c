// The timed lookup kernels (fastlookup.ts) against the generic lookup() and the reference,
// and the anchor load against the C anchors' stream and checksums.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../src/harness/kit.js';
import { anchorMfn, xorshiftIndices } from '../../src/p2m/anchorload.js';
import type { Width } from '../../src/p2m/entry.js';
import { CHUNK, genericLookupSum, RANGE_END } from '../../src/p2m/fastlookup.js';
import { referenceFor } from '../../src/p2m/gate.js';
import { namedLayout } from '../../src/p2m/layout.js';
import { caseParams, codec, lookupPfns, OP_SET } from '../../src/p2m/load.js';
import { formatSum, gateWithLookupSum, lookupStream } from '../../src/p2m/lookupcheck.js';
import { applySets } from '../../src/p2m/metrics.js';
import type { P2m } from '../../src/p2m/variant.js';
import { build, NAMES, VARIANTS } from './helpers.js';

function bigXorshift(n: number, m: number): number[] {
  let s = 42n;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    s ^= BigInt.asUintN(64, s << 13n);
    s ^= s >> 7n;
    s ^= BigInt.asUintN(64, s << 17n);
    out.push(Number(s % BigInt(m)));
  }
  return out;
}

test('xorshiftIndices: the anchors xorshift64(42) % m, on 32-bit halves, for power-of-two, odd and large moduli', () => {
  for (const m of [262144, 4194304, 3 * 2 ** 20 + 7, 97, 2 ** 26 + 3, 2 ** 32]) {
    assert.deepEqual(Array.from(xorshiftIndices(2000, m)), bigXorshift(2000, m), `m = ${m}`);
  }
  assert.throws(() => xorshiftIndices(1, 0), /modulus 0/);
});

function sums(p: P2m, pfns: Float64Array): { fast: string; generic: string } {
  const a = new Float64Array(2);
  const b = new Float64Array(2);
  p.lookupSum(Uint32Array.from(pfns), pfns.length, a);
  genericLookupSum(p, pfns, pfns.length, b);
  return { fast: formatSum(a), generic: formatSum(b) };
}

test('the anchor load: the anchors checksums at gib=1 for every variant, and its stream', () => {
  const want = { seq: '1546188095488', random: '1546193561621' };
  for (const order of ['seq', 'random'] as const) {
    const params = { guest: 64, gib: 1, layout: 'dense', load: 'anchor', order };
    const load = codec.generate(params, 1);
    assert.equal(load.ops.length, 2 * 262144);
    const pfns = lookupPfns(load);
    const expect = order === 'seq' ? pfns.map((_, i) => i) : Float64Array.from(bigXorshift(262144, 262144));
    assert.deepEqual(pfns, expect);
    for (let i = 0; i < 262144; i += 4099) {
      assert.equal(load.ops[i], OP_SET);
      assert.equal(load.values[i], anchorMfn(load.pfns[i]!));
    }
    let plain = 0;
    for (const pfn of pfns) plain += pfn ^ 0x5a5a5a;
    assert.equal(String(plain), want[order]);
    for (const name of NAMES) {
      for (const width of VARIANTS[name].widths) {
        const p = VARIANTS[name].create(width, load.layout);
        applySets(p, load);
        const s = sums(p, pfns);
        assert.equal(s.fast, want[order], `${name} ${width}-bit ${order}`);
        assert.equal(s.generic, want[order], `${name} ${width}-bit ${order} (generic)`);
        if (order === 'seq') {
          const r = new Float64Array(2);
          p.lookupRangeSum(0, pfns.length, r);
          assert.equal(formatSum(r), want.seq, `${name} ${width}-bit seq (range kernel)`);
        }
      }
    }
  }
});

test('the anchor load is reached only with order, on a dense layout; order belongs to it alone', () => {
  const base = { guest: 64, gib: 1, layout: 'dense' };
  assert.throws(() => caseParams({ ...base, load: 'anchor' }), /order goes with load=anchor/);
  assert.throws(() => caseParams({ ...base, load: 'seq', order: 'seq' }), /order goes with load=anchor/);
  assert.throws(() => caseParams({ ...base, load: 'anchor', order: 'zigzag' }), /order must be seq or random/);
  assert.throws(
    () => codec.generate({ ...base, gib: 5, layout: 'pc', load: 'anchor', order: 'seq' }, 1),
    /needs layout=dense/,
  );
  assert.equal(caseParams({ ...base, load: 'anchor', order: 'random' }).order, 'random');
});

/** layouts with identity (pc), missing and extra memory (hotplug), islands; each with a load's sets applied */
function cases(width: Width): Array<Record<string, string | number>> {
  const out: Array<Record<string, string | number>> = [];
  for (const [layout, gib] of [
    ['pc', 5],
    ['hotplug', 16],
    ['islands', 64],
  ] as const)
    for (const load of ['random', 'balloon', 'driver', 'hotadd']) out.push({ guest: width, gib, layout, load });
  return out;
}

test('kernel (stream and range) = generic lookup() = reference on random layouts: identity, missing, foreign, beyond capacity, both widths', () => {
  const rng = new Rng(7);
  for (const name of NAMES) {
    for (const width of VARIANTS[name].widths) {
      for (const params of cases(width)) {
        const real = codec.generate(params, 5);
        const p = build(name, real.layout, width);
        const ref = referenceFor(p, real.layout);
        applySets(p, real);
        for (let i = 0; i < real.ops.length; i++) {
          if (real.ops[i] !== OP_SET) continue;
          try {
            ref.set(real.pfns[i]!, real.values[i]!);
          } catch {
            /* refused beyond capacity, as the variant refuses it */
          }
        }
        const look = lookupPfns(real);
        const extra: number[] = [];
        for (let i = 0; i < 2000; i++) extra.push(rng.int(real.layout.span + 4096));
        for (const edge of [
          p.capacity - 1,
          p.capacity,
          p.readLimit - 1,
          p.readLimit,
          2 ** 32 - 1,
          2 ** 31,
          2 ** 31 - 1,
        ])
          if (edge >= 0 && edge < 2 ** 32) extra.push(edge);
        for (let i = 0; i < 200; i++) extra.push(rng.int(0xffffffff));
        const pfns = Float64Array.from([...look, ...extra]);
        const s = sums(p, pfns);
        const r = new Float64Array(2);
        genericLookupSum(ref, pfns, pfns.length, r);
        const where = `${name} ${JSON.stringify(params)}`;
        assert.equal(s.fast, s.generic, where);
        assert.equal(s.fast, formatSum(r), `${where} (reference)`);
        // the range kernels over runs: identity, missing, the list's run end, capacity
        for (const [first, n] of [
          [0, 40000],
          [real.layout.span - 20000, 20700], // the top of the guest and past it
          [1029 * 256 - 300, 900], // pc: the last RAM pfns into the identity hole
          [p.capacity - 5, 10], // over the tree's capacity
          [real.layout.span - 3, 8],
          [RANGE_END - 6, 6],
        ] as const) {
          if (first < 0 || first + n > RANGE_END) continue;
          const a = new Float64Array(2);
          const b = new Float64Array(2);
          p.lookupRangeSum(first, n, a);
          genericLookupSum(
            p,
            Float64Array.from({ length: n }, (_, i) => first + i),
            n,
            b,
          );
          assert.equal(formatSum(a), formatSum(b), `${where} run ${first}+${n}`);
        }
        // and one pfn at a time: a sum could hide two compensating errors
        const one = new Float64Array(2);
        for (let i = 0; i < pfns.length; i += 37) {
          const got = p.lookupSum(Uint32Array.of(pfns[i]!), 1, one);
          assert.equal(got, p.lookup(pfns[i]!), `${where}: pfn ${pfns[i]}`);
        }
      }
    }
  }
});

test('the checksum is exact modulo 2^64 past a chunk of INVALIDs', () => {
  const layout = namedLayout('dense', 1);
  const n = CHUNK + 5;
  const pfns = new Uint32Array(n).fill(2 ** 30); // beyond tree3's 64-bit capacity: INVALID each
  const p = VARIANTS.tree3.create(64, layout);
  const acc = new Float64Array(2);
  p.lookupSum(pfns, n, acc);
  assert.equal(formatSum(acc), String(BigInt.asUintN(64, BigInt(n) * (2n ** 52n - 1n))));
  const g = new Float64Array(2);
  genericLookupSum(p, pfns, n, g);
  assert.deepEqual(g, acc);
});

test('the gate fails a variant whose timed kernel disagrees, and passes the real ones', () => {
  const load = codec.generate({ guest: 64, gib: 5, layout: 'pc', load: 'random' }, 3);
  const s = lookupStream(load);
  for (const name of NAMES) assert.equal(gateWithLookupSum(build(name, load.layout), load, s).ok, true, name);
  const p = build('linear', load.layout);
  const real = p.lookupSum.bind(p);
  p.lookupSum = (pfns, n, acc) => {
    const v = real(pfns, n, acc);
    acc[0] = (acc[0]! + 1) % 2 ** 32;
    return v + 1;
  };
  const g = gateWithLookupSum(p, load, s);
  assert.equal(g.ok, false);
  if (!g.ok) {
    assert.equal(g.at, load.ops.length);
    assert.match(g.expected, /timed lookup path/);
  }
  assert.notEqual(s.narrow, null);
  assert.equal(s.first, null);
  // a lookup beyond 2^32 sends the whole stream through the generic lookup()
  const at = load.ops.findIndex((o) => o !== OP_SET);
  const wide = { ...load, pfns: Float64Array.from(load.pfns, (x, i) => (i === at ? 2 ** 33 : x)) };
  assert.equal(lookupStream(wide).narrow, null);
  assert.equal(gateWithLookupSum(build('tree4', wide.layout), wide, lookupStream(wide)).ok, true);
});

test('a stream of consecutive pfns takes the range kernel, and the gate fails a broken one', () => {
  // the seq load's first run of 2048 consecutive lookups
  const whole = codec.generate({ guest: 64, gib: 5, layout: 'pc', load: 'seq' }, 1);
  let end = 0;
  let looked = 0;
  while (end < whole.ops.length && looked < 2048) if (whole.ops[end++] !== OP_SET) looked++;
  const load = {
    ...whole,
    ops: whole.ops.slice(0, end),
    pfns: whole.pfns.slice(0, end),
    values: whole.values.slice(0, end),
  };
  const s = lookupStream(load);
  assert.equal(s.first, lookupPfns(load)[0]);
  assert.equal(lookupStream(whole).first, null); // several runs: the stream kernel
  for (const name of NAMES) assert.equal(gateWithLookupSum(build(name, load.layout), load, s).ok, true, name);
  const p = build('tree3', load.layout);
  const real = p.lookupRangeSum.bind(p);
  p.lookupRangeSum = (first, n, acc) => real(first + 1, n, acc); // off by one pfn
  const g = gateWithLookupSum(p, load, s);
  assert.equal(g.ok, false);
  if (!g.ok) assert.match(g.expected, /timed lookup path/);
});

test("a dense guest's list leaves are one run of consecutive frames (the builder's list), read without leafOf", () => {
  for (const name of ['linear', 'linear-3.19'] as const) {
    const layout = namedLayout('dense', 4);
    const p = VARIANTS[name].create(64, layout) as P2m & { leafOf: Int32Array; runEnd: number };
    const f0 = p.leafOf[0]!;
    for (let slot = 0; slot < layout.span / 512; slot++)
      assert.equal(p.leafOf[slot], f0 + slot, `${name} slot ${slot}`);
    assert.equal(p.runEnd, layout.span, name);
    // a pc guest's run stops at its first identity leaf; the rest goes through leafOf
    const pc = VARIANTS[name].create(64, namedLayout('pc', 5)) as P2m & { runEnd: number };
    assert.equal(pc.runEnd, Math.ceil((1029 * 256) / 512) * 512, name); // the mixed leaf is private too
  }
});
