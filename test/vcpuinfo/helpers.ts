// Shared by the vcpuinfo tests: the variants by name, and a seeded resume of a case.
import { runResume } from '../../src/vcpuinfo/gate.js';
import { caseOf, generate } from '../../src/vcpuinfo/load.js';
import { machineConfig } from '../../src/vcpuinfo/prepare.js';
import type { Resume } from '../../src/vcpuinfo/programs.js';
import type { RestoreStrategy } from '../../src/vcpuinfo/strategy.js';
import { strategy as freebsdSelf } from '../../src/vcpuinfo/freebsd-self.js';
import { strategy as linuxDownUp } from '../../src/vcpuinfo/linux-down-up.js';
import { strategy as remoteRegister } from '../../src/vcpuinfo/remote-register.js';
import { strategy as sharedInfo } from '../../src/vcpuinfo/shared-info.js';
import { strategy as toolstackRestore } from '../../src/vcpuinfo/toolstack-restore.js';
import type { Params } from '../../src/harness/kit.js';

export const STRATEGIES = { linuxDownUp, remoteRegister, freebsdSelf, toolstackRestore, sharedInfo };

/** the guest keeps running after resume and never re-registers: its areas are silently dead */
export const forgetful: RestoreStrategy = {
  ...remoteRegister,
  name: 'forgetful',
  bspSelf: [],
  bspPerAp: [],
  stopPlacingAfterFailure: false,
};

export function resumeOf(s: RestoreStrategy, params: Params, seed = 1): Resume {
  const load = generate(params, seed);
  return runResume(s, machineConfig(s, caseOf(params), load), load.sends, seed);
}
