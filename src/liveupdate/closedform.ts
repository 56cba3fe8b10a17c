// The counters in closed form, from the guest's shape alone: what the rebuild must do, so that
// it can be computed for guests too large to materialise, and checked against the counters of
// the ones that are. Every table is validated exactly once by a complete rebuild and every
// present entry of it checked once.
import { ENTRIES, FRAMES_PER_GIB } from './shape.js';

export interface Work {
  readonly pages: number;
  readonly entries: number;
}

/**
 * The work of a guest of `gib` GiB and `procs` processes without building it, with each
 * process's random parts at their expected values (shape.ts: 1..3 L1s, 8..32 entries each, a
 * secretmem pair in one process of eight, on the last of its L1s). Exact for the kernel part.
 */
export function expectedWork(gib: number, procs: number): Work {
  const frames = gib * FRAMES_PER_GIB;
  const dmL1 = Math.ceil(frames / ENTRIES);
  const dmL2 = Math.ceil(dmL1 / ENTRIES);
  const secret = procs * (2 / 8);
  // kernel: its L4 (2 entries), the direct map L3 -> L2s -> L1s -> every frame not secret,
  // the kernel image L3 -> L2 -> 2 L1s -> 1024 frames
  // beyond 512 GiB the direct map takes one L3 (one L4 slot) per 512 GiB
  const dmL3 = Math.ceil(dmL2 / ENTRIES);
  const kernelPages = 1 + dmL3 + dmL2 + dmL1 + 1 + 1 + 2;
  const kernelEntries = dmL3 + 1 + dmL2 + dmL1 + (frames - secret) + 1 + 2 + 1024;
  // a process: L4 (user L3 + the kernel slots), L3 (1), L2 (one per L1), L1s of 8..32 entries
  const l1s = 2;
  const perProcPages = 3 + l1s;
  const perProcEntries = 1 + dmL3 + 1 + 1 + l1s + l1s * 20 + 2 / 8;
  return { pages: kernelPages + procs * perProcPages, entries: kernelEntries + procs * perProcEntries };
}

/** a fully populated 4-level tree: one L4, 512 L3s, 512^2 L2s, 512^3 L1s, every slot present */
export function fullTreeWork(): Work {
  const n = ENTRIES;
  return { pages: 1 + n + n * n + n * n * n, entries: n + n * n + n * n * n + n * n * n * n };
}

/**
 * Seconds of blackout for a rebuild of `w` before resume at a measured cost per unit (the
 * timed metric `per_unit`: a whole rebuild's time over its pages validated + entries checked).
 * The per-page share is folded into the unit at the measured case's pages-per-entry ratio; a
 * full tree has 1 page per 512 entries, fewer than any load here, so a case's cost per unit
 * carries a little more page overhead than the full tree would.
 */
export function blackoutSeconds(w: Work, nsPerUnit: number): number {
  return ((w.pages + w.entries) * nsPerUnit) / 1e9;
}

/** the cost per unit above which a rebuild of `w` before resume takes longer than `seconds` */
export function breakEvenNsPerUnit(w: Work, seconds: number): number {
  return (seconds * 1e9) / (w.pages + w.entries);
}
