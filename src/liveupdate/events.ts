// Events sent to the guest while it is paused for the update, in the evtchn suite's 2-level
// model (Xen xen/common/event_2l.c, Linux drivers/xen/events/events_2l.c), reused as it is.
// As Andrew Cooper says, "the in-guest evtchn data structure will accumulate events": each
// send sets its port's pending bit (a second send to a pending port coalesces, as on any
// 2-level guest), and after resume every vCPU takes its upcall. None may be lost (every port
// sent to is delivered) and none delivered twice.
import type { EventHandler, EvtchnPortOps } from '../evtchn/abi.js';
import { capacity, create } from '../evtchn/twolevel.js';
import { EVENT_PORTS, SEND_INTERVAL } from './load.js';

export interface EventOutcome {
  readonly sent: number;
  readonly pendingAtResume: number;
  /** the longest an event waited, from its send to resume, in units of blackout work */
  readonly longestWait: number;
  /** first port delivered a number of times other than once-if-sent, or -1 */
  readonly badPort: number;
  readonly badDetail: string;
  readonly ports: number;
}

class Tally implements EventHandler {
  constructor(readonly delivered: Uint32Array) {}
  handle(_vcpu: number, port: number): void {
    this.delivered[port]!++;
  }
}

export function eventsAcrossUpdate(
  vcpus: number,
  phase: number,
  sendPorts: Int32Array,
  blackoutWork: number,
): EventOutcome {
  const ports = EVENT_PORTS + 1; // port 0 is reserved
  if (ports > capacity({ wordBits: 64 }))
    throw new RangeError('liveupdate: more event ports than the 2-level ABI holds');
  const ev: EvtchnPortOps = create({ wordBits: 64, depth: 2, vcpus, ports });
  for (let p = 1; p < ports; p++) ev.bind(p, p % vcpus);
  const firstSend = new Float64Array(ports).fill(-1);
  let sent = 0;
  for (let k = 0; phase + k * SEND_INTERVAL < blackoutWork; k++) {
    const port = sendPorts[k % sendPorts.length]!;
    ev.setPending(port);
    if (firstSend[port]! < 0) firstSend[port] = phase + k * SEND_INTERVAL;
    sent++;
  }
  let pendingAtResume = 0;
  let longestWait = 0;
  for (let p = 1; p < ports; p++) {
    if (ev.isPending(p)) pendingAtResume++;
    if (firstSend[p]! >= 0) longestWait = Math.max(longestWait, blackoutWork - firstSend[p]!);
  }
  const delivered = new Uint32Array(ports);
  const tally = new Tally(delivered);
  for (let v = 0; v < vcpus; v++) ev.upcall(v, tally);
  let badPort = -1;
  let badDetail = '';
  for (let p = 1; p < ports && badPort < 0; p++) {
    const want = firstSend[p]! >= 0 ? 1 : 0;
    if (delivered[p] !== want) {
      badPort = p;
      badDetail = `port ${p}: sent ${want ? 'during the update' : 'never'}, delivered ${delivered[p]} times after resume`;
    }
  }
  return { sent, pendingAtResume, longestWait, badPort, badDetail, ports: EVENT_PORTS };
}
