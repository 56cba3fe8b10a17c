// The event-channel suite: the xen-devel thread "[RFC] Extend the number of event channels
// available to guests" (Attilio Rao, September 2012): add a third level to the 2-level
// bitmaps, with Jan Beulich asking for a variable depth. Xen's 2-level ABI is the baseline;
// N-level runs at the case's depth; fifo is the ABI Xen merged instead (Xen 4.4,
// xen/common/event_fifo.c). The computing is in src/evtchn/suite.ts.
import type { EvtchnVariant } from '../src/evtchn/abi.js';
import { evtchnLoad, type EvtchnLoad } from '../src/evtchn/load.js';
import { applies, prepare } from '../src/evtchn/suite.js';
import { defineSuite, type Params, type Profile } from '../src/harness/kit.js';

function grid(profile: Profile): Params[] {
  const c = (abi: number, depth: number, ports: number, density: number, vcpus: number, load: string): Params => ({
    abi,
    depth,
    ports,
    density,
    vcpus,
    load,
  });
  if (profile === 'default') {
    return [
      c(64, 2, 4096, 0.01, 4, 'sparse'),
      c(64, 2, 4096, 0.1, 4, 'sparse'),
      c(64, 2, 4096, 1, 4, 'storm'),
      c(32, 2, 1024, 0.1, 4, 'sparse'),
      c(64, 2, 4096, 0.1, 1, 'hot'),
      c(64, 3, 4096, 0.1, 4, 'sparse'),
      c(64, 3, 262144, 0.001, 4, 'sparse'),
    ];
  }
  const out: Params[] = [];
  for (const abi of [64, 32]) {
    const sweep = abi === 64 ? [1024, 4096, 32768, 131072, 262144] : [1024, 32768];
    for (const ports of sweep) {
      for (const depth of ports <= abi * abi ? [2, 3] : [3]) {
        for (const density of [0.001, 0.01, 0.1]) {
          if (density * ports < 1) continue;
          for (const vcpus of [1, 4, 16]) out.push(c(abi, depth, ports, density, vcpus, 'sparse'));
          out.push(c(abi, depth, ports, density, 4, 'burst'));
        }
        out.push(c(abi, depth, ports, 1, 4, 'storm'));
        out.push(c(abi, depth, ports, 0.1, 1, 'hot'));
        out.push(c(abi, depth, ports, 0.1, 4, 'churn'));
      }
    }
  }
  return out;
}

export default defineSuite<EvtchnLoad, EvtchnVariant>({
  name: 'evtchn',
  question:
    'What does each event delivered cost the guest in Xen 2-level bitmaps vs an N-level (3-level) tree vs FIFO queues, and how far does each reach?',
  variants: {
    '2-level': () => import('../src/evtchn/twolevel.js'),
    'N-level': () => import('../src/evtchn/nlevel.js'),
    fifo: () => import('../src/evtchn/fifo.js'),
  },
  baseline: '2-level',
  primaryMetric: 'deliver',
  grid,
  load: evtchnLoad,
  prepare,
  applies,
});
