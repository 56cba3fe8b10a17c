// The guest's cost of the spurious upcall that every registration leaves behind: Xen sets the
// new area's evtchn_pending_sel to all ones (xen/common/domain.c, after the pointer swap), so
// the next evtchn_2l_handle_events (torvalds/linux drivers/xen/events/events_2l.c) visits
// every event word. Measured once on a scratch instance of the 2-level model: one pending
// port per word, each raised by an unmask, is the only way the model's interface offers to
// set every selector bit; the scan then visits all W words plus the start word a second time
// ("Scan start_l1i twice; all others once") and loads three words per visit (pending, the
// per-CPU mask and the mask).
import { WORK_WORDS_READ } from '../evtchn/abi.js';
import { capacity, create } from '../evtchn/twolevel.js';

let cached = -1;

/** event words the 2-level scan reads when the selector is all ones (64-bit guest) */
export function fullScanWords(): number {
  if (cached >= 0) return cached;
  const W = 64;
  const ports = create({ wordBits: W, depth: 2, vcpus: 1, ports: capacity({ wordBits: W }) });
  for (let w = 0; w < W; w++) {
    const p = w * W + 1;
    ports.mask(p);
    ports.setPending(p);
    ports.unmask(p);
  }
  ports.work.fill(0);
  ports.upcall(0, { handle() {} });
  cached = ports.work[WORK_WORDS_READ]!;
  return cached;
}
