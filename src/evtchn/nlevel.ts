// The N-level variant (the 3-level series and its variable-depth generalisation). The counted
// model (nlevel-counted.ts) is what the gate judges and the counters count; the timed model
// (nlevel-timed.ts) runs the same operations on the same state without the counters.
export * from './nlevel-counted.js';
export { createTimed } from './nlevel-timed.js';
