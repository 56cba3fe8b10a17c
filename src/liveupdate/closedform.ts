// The counters in closed form, from the guest's shape alone: what the rebuild must do, so that
// it can be computed for guests too large to materialise, and checked against the counters of
// the ones that are. Every table is validated exactly once by a complete rebuild and every
// present entry of it checked once.
import { ENTRIES, FRAMES_PER_GIB } from './shape.js';

export interface Work {
  readonly pages: number;
  readonly entries: number;
}

/** the present entries and tables of a shape: what stream-pinned (and demand, in total) must validate */
export function shapeWork(tables: number, entries: number): Work {
  return { pages: tables, entries };
}

/**
 * The same for a guest of `gib` GiB and `procs` processes without building it, with each
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
 * Seconds of blackout for `work` at a measured cost per entry checked. The timed metric
 * `per_entry` is a whole rebuild's time over its entries, so the per-page share is folded in
 * at that case's pages-per-entry ratio (its counters give it; a full tree has 1 page per 512
 * entries, fewer pages per entry than any load here, so the cost taken from the densest case
 * is the one that applies, and a sparser case's cost overstates it a little).
 */
export function blackoutSeconds(w: Work, nsPerEntry: number): number {
  return (w.entries * nsPerEntry) / 1e9;
}

/** the cost per entry above which a rebuild of `w` before resume takes longer than `seconds` */
export function breakEvenNsPerEntry(w: Work, seconds: number): number {
  return (seconds * 1e9) / w.entries;
}
