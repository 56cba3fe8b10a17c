// Small liveupdate cases for the tests: a 16 MiB guest builds in milliseconds.
import type { Params } from '../../src/harness/kit.js';
import { generate, type LiveUpdateLoad } from '../../src/liveupdate/load.js';
import { type OldXen, oldXen } from '../../src/liveupdate/oldxen.js';

export const SMALL: Params = { gib: 1 / 16, procs: 40, vcpus: 3, pageinfo: 'same' };

export function small(params: Params = SMALL, seed = 1): { load: LiveUpdateLoad; old: OldXen } {
  const load = generate(params, seed);
  return { load, old: oldXen(load) };
}
