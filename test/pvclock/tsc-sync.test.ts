// KVM's TSC matching (tsc-sync.ts, arch/x86/kvm/x86.c:kvm_synchronize_tsc): the masterclock's
// on/off comes out of the generation and 1-second window rule applied to the vCPUs' TSC writes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCase, unmatched } from '../../src/pvclock/case.js';
import { runGate } from '../../src/pvclock/gate.js';
import { generateLoad } from '../../src/pvclock/load.js';
import { reader as percpu } from '../../src/pvclock/percpu.js';
import { reader as vcpu0 } from '../../src/pvclock/vcpu0.js';
import { KvmTscSync, syncVcpuTscs, type TscSyncRule } from '../../src/pvclock/tsc-sync.js';

const CPN = 2.5; // cycles per ns at 2.5 GHz
const KHZ = 2_500_000;
const MS = 1e6;

const created = (rule: TscSyncRule, atMs: number[]): KvmTscSync =>
  syncVcpuTscs({ vcpus: atMs.length, rule, cyclesPerNs: CPN, createdAtNs: atMs.map((t) => t * MS) });

test('a vCPU hot-plugged 5 s later: a new generation before 4.13, matched by its write of 0 after', () => {
  const old = created('window', [0, 5000]);
  assert.equal(old.cur_tsc_generation, 2);
  assert.equal(old.nr_vcpus_matched_tsc, 0);
  assert.equal(old.vcpusMatched(), false);
  // its TSC starts at 0 five seconds after vCPU0's did
  assert.equal(old.offset[1]! - old.offset[0]!, -5000 * MS * CPN);
  const now = created('zero-syncs', [0, 5000]);
  assert.equal(now.cur_tsc_generation, 1);
  assert.equal(now.vcpusMatched(), true);
  assert.equal(now.offset[1], now.offset[0]); // cur_tsc_offset: the same TSC
});

test('the window: |usdiff| < 1 s matches, and each write moves it', () => {
  assert.equal(created('window', [0, 999]).vcpusMatched(), true);
  assert.equal(created('window', [0, 1001]).vcpusMatched(), false);
  // last_tsc_nsec and last_tsc_write follow every write: 1.8 s in 0.6 s steps all match
  assert.equal(created('window', [0, 600, 1200, 1800]).vcpusMatched(), true);
  assert.equal(created('window', [0, 1200]).vcpusMatched(), false);
  // a hot-plugged vCPU splits the generation: the earlier vCPUs are no longer counted
  const s = created('window', [0, 0, 0, 3000]);
  assert.equal(s.inCurrentGeneration(), 1);
  assert.equal(s.vcpusMatched(), false);
});

test('a non-zero write (a restored TSC) matches within 1 s of the extrapolated value, on either rule', () => {
  for (const rule of ['window', 'zero-syncs'] as const) {
    const s = created(rule, [0, 0]);
    // 10 s after creation, vCPU0's TSC is expected at 10 s of cycles since its write of 0
    const expected = 10_000 * MS * CPN;
    assert.equal(s.synchronize(0, 10_000 * MS, expected + 0.5e3 * MS * CPN), true, rule);
    assert.equal(s.vcpusMatched(), true);
    assert.equal(s.synchronize(1, 10_000 * MS, expected + 2e3 * MS * CPN), false, rule);
    assert.equal(s.vcpusMatched(), false);
    assert.equal(s.cur_tsc_generation, 2);
  }
});

test("another virtual_tsc_khz never matches (the case's drift); KVM_VCPU_TSC_OFFSET only the same offset", () => {
  const rate = syncVcpuTscs({ vcpus: 2, rule: 'zero-syncs', cyclesPerNs: CPN, driftPpb: [0, 100_000] });
  assert.equal(rate.vcpusMatched(), false);
  const same = syncVcpuTscs({ vcpus: 3, rule: 'zero-syncs', cyclesPerNs: CPN, offset: [2500, 2500, 2500] });
  assert.equal(same.vcpusMatched(), true);
  const differ = syncVcpuTscs({ vcpus: 3, rule: 'zero-syncs', cyclesPerNs: CPN, offset: [0, 2500, 0] });
  assert.equal(differ.vcpusMatched(), false);
  assert.equal(differ.cur_tsc_generation, 3); // creation, vCPU1's offset, vCPU2's back to 0
  assert.equal(new KvmTscSync(1, 'window', KHZ / 1e6).vcpusMatched(), false); // no vCPU online yet
});

test('the masterclock comes out of the rule: the hot-plug case loses it on 4.9, keeps it on 5.16', () => {
  for (const reader of [percpu, vcpu0]) {
    const p = { scheme: 'master', vcpus: 2, load: 'rebase', delta: 1000, tscwrite: '0:5000' };
    const c49 = parseCase({ ...p, host: '4.9' });
    assert.equal(unmatched(c49), true);
    const r49 = runGate(reader, c49, generateLoad(c49, 1), 1);
    assert.ok(r49.gate.ok, JSON.stringify(r49.gate));
    assert.equal(r49.state.masterAtBoot, false);
    assert.equal(r49.state.fallbacks, r49.state.reads);
    assert.equal(r49.state.warps, 0);
    const c516 = parseCase({ ...p, host: '5.16' });
    assert.equal(unmatched(c516), false);
    const r516 = runGate(reader, c516, generateLoad(c516, 1), 1);
    assert.equal(r516.state.masterAtBoot, true);
    assert.equal(r516.state.fallbacks, 0);
    // inside the window a 4.9 host matches the same write
    const near = parseCase({ ...p, host: '4.9', tscwrite: '0:500' });
    assert.equal(runGate(reader, near, generateLoad(near, 1), 1).state.masterAtBoot, true);
  }
  assert.throws(() => parseCase({ vcpus: 2, tscwrite: '0:-5' }), /tscwrite=0:-5 is not valid \(ms >= 0/);
});
