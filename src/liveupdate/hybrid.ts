// How a hybrid shadow mode decides, while the new frame table is still incomplete, whether a
// frame may be mapped writable (an mmu_update's new entry, or a shadow entry _sh_propagate
// builds), and in which order its background pass revokes writable shadow mappings and takes
// a frame's type. demand runs with the first; the other two are what the race (race.ts) and
// the tests compare it with.
import { type HybridPolicy, PFINFO_LTAB_MASK } from './variant.js';

/** the hybrid mode's rule while the frame table is incomplete: a frame the stream names as a page table is never mapped writable */
export const streamTypesPolicy: HybridPolicy = {
  name: "stream's types",
  mayMapWritable: (ft, pfnTypes, f) => (pfnTypes[f]! & PFINFO_LTAB_MASK) === 0 && ft.mayMapWritable(f),
  revokeBeforeType: false,
};

/** the hybrid mode trusting the new frame table alone, revoking before it types: the race the explorer finds */
export const liveTableRevokeFirst: HybridPolicy = {
  name: 'new frame table only, revoke before typing',
  mayMapWritable: (ft, _types, f) => ft.mayMapWritable(f),
  revokeBeforeType: true,
};

/** the same trust in the new frame table, revoking after the type is taken (the shadow code's order: shadow_promote marks the frame, then its writable mappings are removed) */
export const liveTableRevokeAfter: HybridPolicy = {
  name: 'new frame table only, revoke after typing',
  mayMapWritable: (ft, _types, f) => ft.mayMapWritable(f),
  revokeBeforeType: false,
};
