// The 2-level variant: Xen's event_2l.c and Linux's events_2l.c. The counted model
// (twolevel-counted.ts) is what the gate judges and the counters count; the timed model
// (twolevel-timed.ts) runs the same operations on the same state without the counters.
export * from './twolevel-counted.js';
export { createTimed } from './twolevel-timed.js';
