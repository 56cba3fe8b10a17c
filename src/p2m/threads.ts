// The migration walk on real threads: the guest and the toolstack in two worker_threads over
// one SharedArrayBuffer, as the real ones share the guest's memory. The guest rewrites
// entries (single 64-bit atomic stores) and now and then first-touches a missing leaf slot
// (a structural change: with p2m_generation bumped around it in list mode); the toolstack
// repeats migration walks (record the generation, walk, two dirty rounds with
// check_vm_state, suspend, final check) and counts walks aborted (detected) and walks that
// completed with a stale leaf frame (missed). Results depend on scheduling: gauges.
import { Worker } from 'node:worker_threads';
import {
  C_DETECTED,
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
  bufferBytes,
  pattern,
  views,
} from './threads-layout.js';
import type { VariantModule } from './variant.js';

export interface ThreadedWalk {
  readonly walks: number;
  readonly structural: number;
  readonly detected: number;
  readonly missed: number;
  readonly torn: number;
  readonly ms: number;
}

/** what the real-threads model needs of a variant module: how its toolstack finds the p2m */
export type ThreadedVariant = Pick<VariantModule, 'toolstackPath'>;

export async function runThreadedWalk(
  variant: ThreadedVariant,
  opts: { ms: number; seed: number },
): Promise<ThreadedWalk> {
  // page tables: the toolstack reads the guest's own PTEs and checks p2m_generation; frame
  // list: it reads the MFN twins the guest updates after each install, and has nothing to check
  const listMode = variant.toolstackPath === 'page-tables';
  const sab = new SharedArrayBuffer(bufferBytes());
  const v = views(sab, listMode);
  // boot: the first half of the slots populated, the second half missing
  let next = MISSING + 1;
  v.entries.fill(-1n, MISSING * PER_LEAF, (MISSING + 1) * PER_LEAF);
  for (let s = 0; s < SLOTS; s++) {
    if (s < SLOTS / 2) {
      const f = next++;
      for (let i = 0; i < PER_LEAF; i++) v.entries[f * PER_LEAF + i] = pattern(f * PER_LEAF + i);
      v.kern[s] = f;
      v.tools[s] = f;
    } else {
      v.kern[s] = MISSING;
      v.tools[s] = MISSING;
    }
  }
  v.control[C_NEXT_FRAME] = next;
  const url = new URL('./threads-worker.js', import.meta.url);
  const spawn = (role: string, seed: number) => {
    const w = new Worker(url, { workerData: { role, listMode, sab, seed } });
    return new Promise<void>((resolve, reject) => {
      w.once('error', reject);
      w.once('exit', () => resolve());
    });
  };
  const done = [spawn('guest', opts.seed), spawn('toolstack', opts.seed + 1)];
  const deadline = Date.now() + 5000;
  while (Atomics.load(v.control, C_READY) < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 2));
  const t0 = performance.now();
  Atomics.store(v.control, C_GO, 1);
  Atomics.notify(v.control, C_GO);
  await new Promise((r) => setTimeout(r, opts.ms));
  Atomics.store(v.control, C_STOP, 1);
  Atomics.notify(v.control, C_PAUSE_REQ);
  Atomics.notify(v.control, C_PAUSED);
  await Promise.all(done);
  const c = v.control;
  return {
    walks: c[C_WALKS]!,
    structural: c[C_STRUCT]!,
    detected: c[C_DETECTED]!,
    missed: c[C_MISSED]!,
    torn: c[C_TORN]!,
    ms: Math.round(performance.now() - t0),
  };
}
