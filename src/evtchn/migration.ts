// A migration of the guest half-way through its stream, with the event-channel extension set
// up again on the new host in one of the two ways the 2012 thread weighed (xen-devel, "[RFC]
// Extend the number of event channels available to guests", Jan Beulich and Ian Campbell,
// 20 September 2012):
//
// - `guest`: the guest re-issues its registration after it resumes, as Linux does for FIFO
//   (torvalds/linux drivers/xen/events/events_fifo.c:evtchn_fifo_resume, one
//   EVTCHNOP_init_control per online CPU, BUG_ON if refused; the event array is expanded
//   again as ports are bound). The new Xen has none of the extension's private state, so the
//   guest re-raises what was queued (EvtchnModel.migrate). A refusal comes after the old
//   domain is gone: the guest panics, as Linux's grant-table code does when v2 vanished
//   (drivers/xen/grant-table.c:gnttab_request_version, "we need grant tables version 2").
// - `toolstack`: Jan Beulich's alternative, never built: the toolstack carries the
//   registration (the guest frames) and Xen's private state of the extension (FIFO's queue
//   tails, each port's last queue) in the stream and sets it up on the new host before the
//   guest is unpaused; nothing needs raising again. A refusal happens while the guest is
//   still suspended on the old host: the migration fails and the guest resumes there, as a
//   cancelled suspend does (Linux drivers/xen/manage.c:xen_suspend, `si->cancelled`), with its
//   channels untouched.
//
// The host is the old one's twin (`same`, N→N), one with one more bitmap level and twice the
// FIFO ports (`larger`, N→N+1), or one without the extension (`none`: a Xen before the
// extension, or one that has it disabled). The N-level ABI was never merged; the model
// assumes its registration names its depth and a host accepts any depth up to its own, as
// Jan Beulich asked for variable depth in the thread.
import type { EvtchnConfig, EvtchnModel, ExtensionNeeds } from './abi.js';
import type { EvtchnLoad } from './ops.js';
import { StreamReplay } from './stream.js';

export const MIGRATE_BY = ['guest', 'toolstack'] as const;
export type MigrateBy = (typeof MIGRATE_BY)[number];
export const NEW_HOSTS = ['same', 'larger', 'none'] as const;
export type NewHost = (typeof NEW_HOSTS)[number];

/** Xen's EVTCHN_FIFO_NR_CHANNELS (xen/include/public/event_channel.h) */
const FIFO_NR_CHANNELS = 1 << 17;

/** What a host offers: the deepest bitmap tree it accepts, the FIFO ports it addresses. */
export interface HostLimits {
  readonly levels: number;
  readonly fifoPorts: number;
}

/** The old host runs the 3-level series (or deeper, if the case's guest is) and FIFO. */
export function hostLimits(host: NewHost, config: EvtchnConfig): HostLimits {
  const old = { levels: Math.max(3, config.depth), fifoPorts: FIFO_NR_CHANNELS };
  if (host === 'same') return old;
  if (host === 'larger') return { levels: old.levels + 1, fifoPorts: 2 * old.fifoPorts };
  return { levels: 2, fifoPorts: 0 };
}

export function accepts(host: HostLimits, needs: ExtensionNeeds): boolean {
  return needs.levels <= host.levels && needs.fifoPorts <= host.fifoPorts;
}

export interface MigrationResult {
  /** resumed on the new host; panicked there (guest path); stayed on the old host (toolstack) */
  readonly outcome: 'resumed' | 'panic' | 'stayed';
  /** registration hypercalls on the new host (the guest's or the toolstack's), a refused one included */
  readonly hypercalls: number;
  /** guest frames registered on the new host */
  readonly pages: number;
  /** ports the guest raised again so that no pending event is lost */
  readonly reraised: number;
  /** events delivered over the whole stream */
  readonly delivered: number;
  /** the digest of what was delivered, in order (replay.ts: deliveryDigest) */
  readonly digest: number;
}

/** The stream from after its prologue on a fresh model, migrated before operation `at`. */
export function migrateStream(
  model: EvtchnModel,
  load: EvtchnLoad,
  at: number,
  by: MigrateBy,
  host: HostLimits,
): MigrationResult {
  const stream = new StreamReplay(model, load);
  stream.reset();
  stream.runPart(0, at);
  const needs = model.needs();
  const registration = model.reregistration();
  if (accepts(host, needs)) {
    // the guest registers and re-raises; or the toolstack registers and restores Xen's state
    const reraised = by === 'guest' ? model.migrate() : 0;
    const delivered = stream.runPart(at, stream.length);
    return { outcome: 'resumed', ...registration, reraised, delivered, digest: stream.digest };
  }
  // the first registration hypercall is refused: nothing is registered
  const refused = { hypercalls: 1, pages: 0, reraised: 0 };
  if (by === 'guest') return { outcome: 'panic', ...refused, delivered: stream.delivered, digest: stream.digest };
  const delivered = stream.runPart(at, stream.length); // still on the old host, as it was
  return { outcome: 'stayed', ...refused, delivered, digest: stream.digest };
}
