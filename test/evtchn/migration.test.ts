// A migration of the extension half-way through the stream: set up again by the guest or by
// the toolstack, on a twin host, a larger one, or one that refuses it. No pending event is
// lost where the guest lives on; a refusal panics the guest (guest path) or leaves it running
// on the old host (toolstack path).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import suite from '../../bench/evtchn.js';
import { caseOf } from '../../src/evtchn/case.js';
import { generate, shapeOf } from '../../src/evtchn/load.js';
import { accepts, hostLimits, MIGRATE_BY, migrateStream } from '../../src/evtchn/migration.js';
import { StreamReplay } from '../../src/evtchn/stream.js';
import { prepare, runnable, unsupportedOf } from '../suite-helpers.js';
import { SUBJECTS } from './variants.js';

const KINDS = ['sparse', 'dom0', 'churn', 'during', 'move'] as const;

function plainRun(subject: (typeof SUBJECTS)[number], kind: (typeof KINDS)[number]) {
  const ports = Math.min(subject.module.capacity(subject.config(64, 2, 4)), 4096);
  const config = subject.config(64, ports, 4);
  const load = generate(shapeOf({ load: kind, ports, vcpus: 4, density: 0.05 }), 5);
  const plain = new StreamReplay(subject.module.create(config), load);
  plain.reset();
  plain.run();
  return { config, load, ports, delivered: plain.delivered, digest: plain.digest };
}

test('on a twin host and on a larger one nothing is lost, by either path; only the guest path re-raises', () => {
  let guestRaised = 0;
  for (const subject of SUBJECTS) {
    for (const kind of KINDS) {
      const { config, load, ports, delivered } = plainRun(subject, kind);
      for (const at of [load.length >> 2, load.length >> 1]) {
        for (const by of MIGRATE_BY) {
          const results = (['same', 'larger'] as const).map((host) => {
            const model = subject.module.create(config);
            const r = migrateStream(model, load, at, by, hostLimits(host, config));
            const what = `${subject.name} ${kind} by ${by} on ${host} at ${at}`;
            assert.equal(r.outcome, 'resumed', what);
            assert.equal(r.delivered, delivered, `${what}: no event lost`);
            for (let p = 1; p < ports; p++) assert.ok(!(model.isPending(p) && !model.isMasked(p)), `${what}: ${p}`);
            assert.deepEqual({ hypercalls: r.hypercalls, pages: r.pages }, model.reregistration(), what);
            if (by === 'toolstack') assert.equal(r.reraised, 0, `${what}: Xen's state came in the stream`);
            if (by === 'guest') guestRaised += r.reraised;
            return r;
          });
          // N→N+1 is N→N: the guest asks for what it had, the larger host grants it
          assert.deepEqual(results[0], results[1], `${subject.name} ${kind} by ${by}: same as larger`);
        }
      }
    }
  }
  assert.ok(guestRaised > 0, 'FIFO had events queued at some migration: the check is not vacuous');
});

test('the toolstack carrying Xen-private state delivers in the very order of a stream without a migration', () => {
  for (const subject of SUBJECTS) {
    for (const kind of KINDS) {
      const { config, load, digest } = plainRun(subject, kind);
      for (const host of ['same', 'none'] as const) {
        const r = migrateStream(
          subject.module.create(config),
          load,
          load.length >> 1,
          'toolstack',
          hostLimits(host, config),
        );
        assert.equal(r.digest, digest, `${subject.name} ${kind} ${host} (${r.outcome}): same ports, vCPUs, order`);
      }
    }
  }
});

test('a host without the extension: the guest panics (guest path) or stays on the old host (toolstack); 2-level never notices', () => {
  const outcomes: string[] = [];
  for (const subject of SUBJECTS) {
    const { config, load, delivered } = plainRun(subject, 'dom0');
    const at = load.length >> 1;
    const extension = subject.module.create(config).reregistration().hypercalls > 0;
    const guest = migrateStream(subject.module.create(config), load, at, 'guest', hostLimits('none', config));
    const tool = migrateStream(subject.module.create(config), load, at, 'toolstack', hostLimits('none', config));
    outcomes.push(`${subject.name}: ${guest.outcome}/${tool.outcome}`);
    if (!extension) {
      assert.equal(guest.outcome, 'resumed', subject.name);
      assert.equal(guest.delivered, delivered);
      continue;
    }
    assert.equal(guest.outcome, 'panic', subject.name);
    assert.deepEqual([guest.hypercalls, guest.pages], [1, 0], 'the first registration is refused');
    assert.ok(guest.delivered < delivered, `${subject.name}: the panic loses the rest of the stream`);
    assert.equal(tool.outcome, 'stayed', subject.name);
    assert.equal(tool.delivered, delivered, `${subject.name}: the guest goes on running, nothing lost`);
    assert.equal(tool.reraised, 0);
  }
  assert.deepEqual(outcomes, [
    '2-level: resumed/resumed',
    'N-level depth 2: resumed/resumed',
    'N-level depth 3: panic/stayed',
    'fifo: panic/stayed',
  ]);
});

test('a host refuses a deeper tree or a larger event array than it offers', () => {
  const old = hostLimits('same', { wordBits: 64, depth: 3, vcpus: 4, ports: 32768 });
  assert.ok(accepts(old, { levels: 3, fifoPorts: 0 }));
  assert.ok(!accepts(old, { levels: 4, fifoPorts: 0 }));
  assert.ok(accepts(old, { levels: 2, fifoPorts: 1 << 17 }));
  assert.ok(!accepts(old, { levels: 2, fifoPorts: (1 << 17) + 1 }));
  assert.ok(
    accepts(hostLimits('larger', { wordBits: 64, depth: 3, vcpus: 4, ports: 32768 }), { levels: 4, fifoPorts: 0 }),
  );
});

test('a migration case is parsed once, and bad values are refused with what would be right', () => {
  const base = { abi: 64, depth: 3, ports: 32768, vcpus: 4, load: 'dom0' };
  assert.deepEqual(caseOf({ ...base, migrate: 'toolstack' }).migration, { by: 'toolstack', host: 'same' });
  assert.equal(caseOf(base).migration, undefined);
  assert.throws(() => caseOf({ ...base, migrate: 'xl' }), /migrate must be one of guest, toolstack, got xl/);
  assert.throws(() => caseOf({ ...base, migrate: 'guest', host: 'older' }), /host must be one of same, larger, none/);
  assert.throws(() => caseOf({ ...base, host: 'none' }), /needs migrate=guest\|toolstack/);
});

test('the full grid has every (who, host) pair; its counters name the outcome', async () => {
  const cases = suite.grid('full').filter((p) => p['migrate'] !== undefined);
  assert.equal(cases.length, 12);
  assert.equal(
    suite.grid('default').some((p) => p['migrate'] !== undefined),
    false,
  );
  const params = { abi: 64, depth: 3, ports: 32768, vcpus: 4, load: 'dom0', migrate: 'guest', host: 'none' };
  const p = await prepare(suite, 'fifo', params);
  assert.equal(unsupportedOf(p), undefined);
  const counters = runnable(p).counters() as { metric: string; value: number }[];
  const value = (m: string) => counters.find((c) => c.metric === m)?.value;
  assert.equal(value('migrate_panic'), 1);
  assert.equal(value('migrate_aborted'), 0);
  assert.equal(value('migrate_hypercalls'), 1);
  assert.ok((value('migrate_lost') ?? 0) > 0);
});
