// The event-channel suite: the xen-devel thread "[RFC] Extend the number of event channels
// available to guests" (Attilio Rao, September 2012): add a third level to the 2-level
// bitmaps, with Jan Beulich asking for a variable depth. Xen's 2-level ABI is the baseline;
// N-level runs at the case's depth; fifo is the ABI Xen merged instead (Xen 4.4,
// xen/common/event_fifo.c). The computing is in src/evtchn/suite.ts.
import type { EvtchnVariant } from '../src/evtchn/abi.js';
import { evtchnLoad, type EvtchnLoad } from '../src/evtchn/load.js';
import { applies, prepare } from '../src/evtchn/suite.js';
import { defineSuite, type Params, type Profile } from '../src/harness/kit.js';

/** a case: the classic loads take a density (fraction of the ports sent per round), the
 *  open/close load a domain limit; the others (dom0, single, rogue) fix their own activity */
function c(abi: number, depth: number, ports: number, vcpus: number, load: string, extra: Params = {}): Params {
  return { abi, depth, ports, vcpus, load, ...extra };
}

function grid(profile: Profile): Params[] {
  if (profile === 'default') {
    return [
      // what do many bound but idle ports cost? the same 32 busy guests, 4096 → 262144 ports
      c(64, 2, 4096, 4, 'dom0'),
      c(64, 3, 32768, 4, 'dom0'),
      c(64, 3, 262144, 4, 'dom0'),
      // a real guest: one or two events per upcall, the timer first
      c(64, 2, 4096, 4, 'single'),
      // masks, unmasks and rebinds between the sends; devices coming and going at a domU's limit
      c(64, 2, 4096, 4, 'churn', { density: 0.1 }),
      c(64, 2, 4096, 4, 'open', { limit: 1023 }),
      // the x86-32 guest's 1024 ports (everything pending at once, `storm`, is in --full)
      c(32, 2, 1024, 4, 'sparse', { density: 0.1 }),
    ];
  }
  const out: Params[] = [];
  for (const abi of [64, 32]) {
    const sweep = abi === 64 ? [1024, 4096, 32768, 131072, 262144] : [1024, 32768];
    for (const ports of sweep) {
      for (const depth of ports <= abi * abi ? [2, 3] : [3]) {
        for (const density of [0.001, 0.01, 0.1]) {
          if (density * ports < 1) continue;
          for (const vcpus of [1, 4, 16]) out.push(c(abi, depth, ports, vcpus, 'sparse', { density }));
          out.push(c(abi, depth, ports, 4, 'burst', { density }));
        }
        out.push(c(abi, depth, ports, 4, 'storm', { density: 1 }));
        out.push(c(abi, depth, ports, 1, 'hot', { density: 0.1 }));
        out.push(c(abi, depth, ports, 4, 'churn', { density: 0.1 }));
        out.push(c(abi, depth, ports, 4, 'dom0'));
      }
    }
  }
  for (const vcpus of [64, 128]) {
    out.push(c(64, 2, 4096, vcpus, 'dom0'), c(64, 3, 32768, vcpus, 'dom0'), c(64, 2, 4096, vcpus, 'single'));
    out.push(c(64, 2, 4096, vcpus, 'move', { density: 0.1 }));
  }
  for (const vcpus of [1, 16]) out.push(c(64, 2, 4096, vcpus, 'single'));
  out.push(c(32, 2, 1024, 4, 'single'));
  for (const load of ['rogue', 'rogue-lateeoi']) out.push(c(64, 2, 4096, 4, load), c(64, 3, 32768, 4, load));
  for (const density of [0.01, 0.1]) {
    out.push(c(64, 2, 4096, 4, 'during', { density }), c(64, 2, 4096, 4, 'bulk', { density }));
    out.push(c(64, 2, 4096, 4, 'move', { density }));
  }
  out.push(c(64, 3, 32768, 4, 'bulk', { density: 0.1 }), c(64, 3, 32768, 4, 'move', { density: 0.1 }));
  // a domU at xl's default limit, dom0 without one, and N-level with its second leaf page
  // only partly used (40000 ports provided, the last page a fifth full)
  out.push(c(32, 2, 1024, 4, 'open', { limit: 1023 }), c(64, 3, 32768, 4, 'open', { limit: 32767 }));
  out.push(c(64, 3, 40000, 4, 'open', { limit: 39999 }), c(64, 3, 40000, 4, 'dom0'));
  // a migration half-way: the extension set up again by the guest or by the toolstack, on a
  // twin host (N→N), one with a level more and a larger FIFO limit (N→N+1), or one without it
  for (const migrate of ['guest', 'toolstack']) {
    for (const host of ['same', 'larger', 'none']) {
      out.push(
        c(64, 3, 32768, 4, 'dom0', { migrate, host }),
        c(64, 2, 4096, 4, 'sparse', { density: 0.1, migrate, host }),
      );
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
  primaryMetric: 'stream',
  grid,
  load: evtchnLoad,
  prepare,
  applies,
  // which way a counter should move (README, "Comparing runs"): a grown capacity is no regression
  better: {
    capacity: 'higher',
    bytes_read: 'lower',
    xchg: 'lower',
    guest_locked: 'lower',
    send_rmw: 'lower',
    queue_locks: 'lower',
    unmask_hypercalls: 'lower',
    worst_wait: 'lower',
    dump_ports_locked: 'lower',
    alloc_refused: 'lower',
    resume_hypercalls: 'lower',
    resume_pages: 'lower',
    migrate_reraised: 'lower',
    migrate_hypercalls: 'lower',
    migrate_pages: 'lower',
    migrate_lost: 'lower',
    migrate_panic: 'lower',
    migrate_aborted: 'lower',
    shared_bytes_guest: 'lower',
    shared_bytes_vcpu: 'lower',
    private_bytes_vcpu: 'lower',
  },
});
