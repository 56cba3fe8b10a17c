// The FIFO variant: Xen's event_fifo.c and Linux's events_fifo.c. The counted model
// (fifo-counted.ts) is what the gate judges and the counters count; the timed model
// (fifo-timed.ts) runs the same operations on the same state without the counters.
export * from './fifo-counted.js';
export { createTimed } from './fifo-timed.js';
