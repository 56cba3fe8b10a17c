// One side of the real-threads migration walk: `guest` or `toolstack`, in its own worker
// thread, over the SharedArrayBuffer of threads-layout.ts.
import { parentPort, workerData } from 'node:worker_threads';
import { Rng } from '../harness/kit.js';
import {
  C_DETECTED,
  C_GEN,
  C_GO,
  C_MISSED,
  C_NEXT_FRAME,
  C_PAUSED,
  C_PAUSE_REQ,
  C_READY,
  C_STOP,
  C_STRUCT,
  C_TORN,
  C_WALKS,
  MISSING,
  PER_LEAF,
  SLOTS,
  isTorn,
  pattern,
  views,
} from './threads-layout.js';

interface Data {
  readonly role: 'guest' | 'toolstack';
  readonly listMode: boolean;
  readonly sab: SharedArrayBuffer;
  readonly seed: number;
}

const d = workerData as Data;
const v = views(d.sab, d.listMode);
const c = v.control;
const rng = new Rng(d.seed);

Atomics.add(c, C_READY, 1);
while (Atomics.load(c, C_GO) === 0) Atomics.wait(c, C_GO, 0, 50);

if (d.role === 'guest') guest();
else toolstack();
parentPort?.postMessage('done');

function guest(): void {
  let k = 1;
  while (Atomics.load(c, C_STOP) === 0) {
    if (Atomics.load(c, C_PAUSE_REQ) === 1) {
      // suspended between operations: never inside an update
      Atomics.store(c, C_PAUSED, 1);
      Atomics.notify(c, C_PAUSED);
      while (Atomics.load(c, C_PAUSE_REQ) === 1 && Atomics.load(c, C_STOP) === 0) Atomics.wait(c, C_PAUSE_REQ, 1, 5);
      Atomics.store(c, C_PAUSED, 0);
      continue;
    }
    const slot = rng.int(SLOTS);
    const frame = Atomics.load(v.kern, slot);
    if (frame !== MISSING) {
      Atomics.store(v.entries, frame * PER_LEAF + rng.int(PER_LEAF), pattern(k++)); // an entry write: one atomic 64-bit store
      continue;
    }
    if (rng.int(64) !== 0) continue; // first touches are rarer than rewrites
    const fresh = Atomics.add(c, C_NEXT_FRAME, 1);
    for (let i = 0; i < PER_LEAF; i++) Atomics.store(v.entries, fresh * PER_LEAF + i, -1n); // INVALID
    if (d.listMode) {
      Atomics.add(c, C_GEN, 1); // odd: update in progress (under p2m_update_lock)
      Atomics.store(v.kern, slot, fresh); // set_pte
      Atomics.add(c, C_GEN, 1);
    } else {
      Atomics.store(v.kern, slot, fresh); // cmpxchg(&mid[m], p2m_missing, leaf)
      Atomics.store(v.tools, slot, fresh); // p2m_top_mfn_p[t][m] = virt_to_mfn(leaf)
    }
    Atomics.add(c, C_STRUCT, 1);
  }
}

function toolstack(): void {
  const view = new Int32Array(SLOTS);
  while (Atomics.load(c, C_STOP) === 0) {
    const g0 = Atomics.load(c, C_GEN); // get_p2m_generation (list mode)
    for (let s = 0; s < SLOTS; s++) view[s] = Atomics.load(v.tools, s); // map_p2m: the walk
    let aborted = false;
    for (let round = 0; round < 2 && !aborted; round++) {
      // send_dirty_pages: read entries through the mapped leaves
      for (let i = 0; i < 2048; i++) {
        const e = Atomics.load(v.entries, view[rng.int(SLOTS)]! * PER_LEAF + rng.int(PER_LEAF));
        if (isTorn(e)) Atomics.add(c, C_TORN, 1);
      }
      if (d.listMode && Atomics.load(c, C_GEN) !== g0) aborted = true; // check_vm_state
    }
    if (!aborted) {
      // suspend the guest, then the last check and the final copy with the view
      Atomics.store(c, C_PAUSE_REQ, 1);
      while (Atomics.load(c, C_PAUSED) === 0 && Atomics.load(c, C_STOP) === 0) Atomics.wait(c, C_PAUSED, 0, 5);
      if (Atomics.load(c, C_STOP) !== 0 && Atomics.load(c, C_PAUSED) === 0) break;
      if (d.listMode && Atomics.load(c, C_GEN) !== g0) aborted = true;
      else {
        let stale = false;
        for (let s = 0; s < SLOTS; s++) if (view[s] !== Atomics.load(v.kern, s)) stale = true;
        if (stale) Atomics.add(c, C_MISSED, 1);
      }
      Atomics.store(c, C_PAUSE_REQ, 0);
      Atomics.notify(c, C_PAUSE_REQ);
    }
    if (aborted) Atomics.add(c, C_DETECTED, 1);
    Atomics.add(c, C_WALKS, 1);
  }
}
