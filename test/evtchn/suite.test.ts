// The suite as the harness sees it: grids, capacity rows, a passing gate on every default
// case, exact counters, and timed bodies that return a number and do the same work each time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { caseKey } from '../../src/harness/kit.js';
import suite from '../../bench/evtchn.js';
import { applies, prepare, runnable, unsupportedOf } from '../suite-helpers.js';

const prepared = (variant: string, params: Record<string, string | number>) => prepare(suite, variant, params);

test('the default grid is small, the full grid larger, and case keys are unique', () => {
  const def = suite.grid('default');
  const full = suite.grid('full');
  assert.ok(def.length >= 6 && def.length <= 8, `${def.length} default cases`);
  assert.ok(full.length > 4 * def.length);
  for (const grid of [def, full]) assert.equal(new Set(grid.map(caseKey)).size, grid.length);
  assert.equal(suite.baseline, '2-level');
  assert.deepEqual(Object.keys(suite.variants).sort(), ['2-level', 'N-level', 'fifo']);
});

test('the default grid answers the thread: dom0 past 4096 ports, one event per upcall, churn, 262144 ports', () => {
  const def = suite.grid('default');
  const has = (f: (p: (typeof def)[number]) => boolean) => def.some(f);
  assert.ok(has((p) => p['load'] === 'dom0' && Number(p['ports']) > 4096));
  assert.ok(has((p) => p['load'] === 'single'));
  assert.ok(has((p) => p['load'] === 'churn'));
  assert.ok(has((p) => Number(p['ports']) === 262144 && Number(p['depth']) === 3));
  assert.ok(has((p) => Number(p['abi']) === 32));
});

test('every default case passes the gate for every variant that applies, with exact counters and timed bodies', async () => {
  for (const params of suite.grid('default')) {
    for (const variant of Object.keys(suite.variants)) {
      if (!(await applies(suite, variant, params))) continue;
      const pp = await prepared(variant, params as Record<string, string | number>);
      if (unsupportedOf(pp) !== undefined) continue;
      const p = runnable(pp);
      const gate = p.gate();
      assert.ok(gate.ok, `${variant} ${caseKey(params)}: ${JSON.stringify(gate)}`);
      assert.ok(gate.checked > 0);
      const counters = await p.counters();
      const names = counters.map((c) => c.metric);
      for (const m of [
        'events',
        'events_per_upcall',
        'bytes_read',
        'xchg',
        'guest_locked',
        'queue_locks',
        'unmask_hypercalls',
        'worst_wait',
        'shared_bytes_guest',
        'shared_bytes_vcpu',
        'private_bytes_vcpu',
        'capacity',
        'send_rmw',
      ]) {
        assert.ok(names.includes(m), `${variant} ${caseKey(params)} lacks ${m}`);
      }
      for (const c of counters) assert.ok(Number.isFinite(c.value) && c.value >= 0, `${c.metric} = ${c.value}`);
      // counters are exact: a second preparation, even without a gate first, counts the same
      const p2 = runnable(await prepared(variant, params as Record<string, string | number>));
      assert.deepEqual(
        (await p2.counters()).map((c) => c.value),
        counters.map((c) => c.value),
      );
      const timed = p.timed();
      assert.deepEqual(
        timed.map((t) => [t.metric, t.unit]),
        [['stream', 'ns/event']],
      );
      const events = counters.find((c) => c.metric === 'events')!.value;
      for (const t of timed) {
        assert.match(t.detail ?? '', /stream replayed in order/);
        t.setup?.();
        const first = t.run();
        t.setup?.();
        assert.equal(t.run(), first, `${t.metric} does different work after its state is restored`);
        assert.equal(first, t.ops, 'the replay returns the events it delivered');
        assert.equal(first, events, 'the timed replay delivers as many events as the counted one');
        assert.equal(first, gate.ok ? gate.checked : -1, 'and as many as the gate observed');
      }
    }
  }
});

test('a case beyond a variant’s capacity is a capacity row naming the capacity, not an error', async () => {
  const big = suite.grid('default').find((p) => Number(p['ports']) === 262144)!;
  assert.ok(big, 'the default grid has a 262144-port case');
  const two = await prepared('2-level', big as Record<string, string | number>);
  assert.match(unsupportedOf(two) ?? '', /4096/);
  const fifo = await prepared('fifo', big as Record<string, string | number>);
  assert.match(unsupportedOf(fifo) ?? '', /131072/);
  assert.ok(await applies(suite, 'fifo', big));
  const n = runnable(await prepared('N-level', big as Record<string, string | number>));
  const counters = await n.counters();
  assert.equal(counters.find((c) => c.metric === 'capacity')!.value, 262144);
});

test('N-level memory is what the guest provides: whole leaf pages for its ports, W/8 + W^2/8 (+ upcall byte) per vCPU', async () => {
  const counts = async (variant: string, params: Record<string, string | number>) => {
    const p = runnable(await prepared(variant, params));
    p.gate();
    return Object.fromEntries((await p.counters()).map((x) => [x.metric, x.value]));
  };
  const c = await counts('N-level', { abi: 64, depth: 3, ports: 4096, density: 0.1, vcpus: 1, load: 'sparse' });
  assert.equal(c['shared_bytes_guest'], 2 * 4096, 'one page of PENDING and one of MASK');
  assert.equal(c['private_bytes_vcpu'], 4096, 'Linux per-CPU mask: one bit per port provided');
  assert.equal(c['shared_bytes_vcpu'], 8 + 512 + 1);
  const partly = await counts('N-level', { abi: 64, depth: 3, ports: 40000, vcpus: 4, load: 'dom0' });
  assert.equal(partly['shared_bytes_guest'], 2 * 2 * 4096, '40000 ports take a second, partly filled page');
  const full = await counts('N-level', { abi: 64, depth: 3, ports: 262144, vcpus: 4, load: 'dom0' });
  assert.equal(full['shared_bytes_guest'], (2 * 262144) / 8);
  assert.equal(full['private_bytes_vcpu'], 262144 / 8);
  const fifo = await counts('fifo', { abi: 64, depth: 2, ports: 4096, vcpus: 4, load: 'dom0' });
  assert.equal(fifo['shared_bytes_vcpu'], 4096 + 1, 'the control block is a whole page in Linux');
  assert.equal(fifo['shared_bytes_guest'], 4 * 4096, 'event array: 4 pages of 1024 words');
  const two = runnable(
    await prepared('2-level', { abi: 32, depth: 2, ports: 1024, density: 0.1, vcpus: 1, load: 'sparse' }),
  );
  two.gate();
  const c2 = Object.fromEntries((await two.counters()).map((x) => [x.metric, x.value]));
  assert.equal(c2['shared_bytes_guest'], 256);
  assert.equal(c2['shared_bytes_vcpu'], 4 + 1);
});

test('a variant whose handler sees a wrong port fails the gate, naming the first difference', async () => {
  const twolevel = await import('../../src/evtchn/twolevel.js');
  // a 2-level model whose handler is told port 101 when port 100 is delivered
  const skewed = {
    name: 'skewed',
    family: 'bitmap' as const,
    levels: twolevel.levels,
    capacity: twolevel.capacity,
    createTimed: twolevel.createTimed,
    create: (config: Parameters<typeof twolevel.create>[0]) => {
      const abi = twolevel.create(config);
      const upcall = abi.upcall.bind(abi);
      abi.upcall = (v, handler) =>
        upcall(v, { handle: (vcpu, port) => handler.handle(vcpu, port === 100 ? 101 : port) });
      return abi;
    },
  };
  const params = { abi: 64, depth: 2, ports: 4096, density: 1, vcpus: 1, load: 'storm' };
  const p = runnable(await suite.prepare(skewed, params, suite.load.generate(params, 1)));
  const gate = p.gate();
  assert.equal(gate.ok, false);
  if (!gate.ok) {
    assert.match(gate.expected, /port 100\b/);
    assert.match(gate.actual, /port 101\b/);
    assert.ok(gate.at > 0);
  }
});

test('fifo skips deep rows that have a depth-2 twin, and runs those that have none', async () => {
  const row = (depth: number, ports: number, abi = 64) => ({
    abi,
    depth,
    ports,
    density: 0.1,
    vcpus: 4,
    load: 'sparse',
  });
  assert.equal(await applies(suite, 'fifo', row(3, 4096)), false);
  assert.equal(await applies(suite, 'fifo', row(3, 32768)), true);
  assert.equal(await applies(suite, 'fifo', row(3, 32768, 32)), true);
  assert.equal(await applies(suite, 'fifo', row(2, 4096)), true);
  assert.equal(await applies(suite, '2-level', row(3, 4096)), true);
  assert.equal(await applies(suite, 'N-level', row(3, 262144)), true);
});
