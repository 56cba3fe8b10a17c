// A seeded 64-bit Linux PV guest's page-table shape as Linux builds it (torvalds/linux
// arch/x86/xen/mmu_pv.c, arch/x86/mm/pgtable.c):
//  - the kernel's upper levels are shared: every process's pgd copies the kernel half
//    (pgd_ctor → clone_pgd_range), so the direct-map L3 and the kernel-image L3 are typed once
//    and referenced by every L4;
//  - the direct map covers all RAM with 4 KiB PTEs (PV has no superpages, see typeref.ts),
//    writable except where the frame is a page table: xen_pin_page / make_lowmem_page_readonly
//    map page-table frames read-only, as Xen requires;
//  - each process has its own user L3, L2 and a few L1s: private anonymous pages (writable),
//    shared library text (read-only, shared), and for one process in four a shared-memory
//    segment mapped writable by all of them (pages that must never become page tables);
//  - one process in eight holds secretmem pages, removed from the direct map
//    (set_direct_map_invalid_noflush): allocated to the guest, reachable only through it;
//  - pinning: init_mm's pgd is pinned at boot (xen_setup_kernel_pagetable); every process's
//    pgd is pinned with its L1s (__xen_pgd_pin → xen_pin_page pins PTE pages with
//    MMUEXT_PIN_L1_TABLE under split PTE locks, then MMUEXT_PIN_L4_TABLE on the pgd).
// One L4 per process: 64-bit PV Linux also keeps a user pgd per process; it doubles the L4s
// and changes nothing else here.
import type { Rng } from '../harness/kit.js';
import { E_RW, type GuestTables, TablesBuilder } from './guest.js';

export const FRAMES_PER_GIB = 262144;
export const ENTRIES = 512;
/** kernel image: 4 MiB, the first half text (read-only), the second data (writable) */
const KERNEL_IMAGE_FRAMES = 1024;
const LIB_FRAMES = 256;
const SHM_FRAMES = 64;

export interface Shape {
  readonly mem: GuestTables;
  /** frames pinned, in the order the guest pinned them, with the level of each */
  readonly pins: Int32Array;
  readonly pinLevel: Uint8Array;
  /** per process (0 = init_mm): its L4 frame, and its L1 frames */
  readonly l4: Int32Array;
  readonly procL1: Int32Array[];
  /** the kernel text L1s (%rip of a vCPU in the kernel lands in one) */
  readonly textL1: Int32Array;
  readonly shm: Int32Array;
  /** frames absent from the direct map (secretmem) */
  readonly secret: number;
  /** frames the layout used (tables + data); the rest is free memory in the direct map */
  readonly used: number;
}

export function buildShape(frames: number, procs: number, rng: Rng): Shape {
  // frames are handed out in a seeded random order, as a guest's allocator scatters page
  // tables through its memory (xorshift32 seeded from the load's Rng: fast, and exact)
  const perm = new Int32Array(frames);
  for (let i = 0; i < frames; i++) perm[i] = i;
  let x = rng.int(0x7fffffff) | 1;
  for (let i = frames - 1; i > 0; i--) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    const j = (x >>> 0) % (i + 1);
    const t = perm[i]!;
    perm[i] = perm[j]!;
    perm[j] = t;
  }
  let next = 0;
  const isTable = new Uint8Array(frames);
  const secret = new Uint8Array(frames);
  const alloc = (): number => {
    if (next === frames) {
      throw new RangeError(
        `liveupdate: ${procs} processes do not fit in a guest of ${frames} frames (${frames / FRAMES_PER_GIB} GiB); use fewer processes or more memory`,
      );
    }
    return perm[next++]!;
  };
  const allocTable = (): number => {
    const f = alloc();
    isTable[f] = 1;
    return f;
  };
  const allocN = (n: number, table: boolean): Int32Array => {
    const a = new Int32Array(n);
    for (let i = 0; i < n; i++) a[i] = table ? allocTable() : alloc();
    return a;
  };

  const kernelL4 = allocTable();
  const dmL3 = allocTable();
  const nDmL1 = Math.ceil(frames / ENTRIES);
  const dmL2 = allocN(Math.ceil(nDmL1 / ENTRIES), true);
  const dmL1 = allocN(nDmL1, true);
  const kiL3 = allocTable();
  const kiL2 = allocTable();
  const kiL1 = allocN(KERNEL_IMAGE_FRAMES / ENTRIES, true);
  const kimage = allocN(KERNEL_IMAGE_FRAMES, false);
  const lib = allocN(LIB_FRAMES, false);
  const shm = allocN(SHM_FRAMES, false);

  // processes 1..procs: tables, then their pages, entry by entry
  const l4 = new Int32Array(procs + 1);
  const l3 = new Int32Array(procs + 1);
  const l2 = new Int32Array(procs + 1);
  l4[0] = kernelL4;
  const procL1: Int32Array[] = [new Int32Array(0)];
  const l1Targets: number[][] = [];
  const l1Flags: number[][] = [];
  let secretFrames = 0;
  for (let p = 1; p <= procs; p++) {
    l4[p] = allocTable();
    l3[p] = allocTable();
    l2[p] = allocTable();
    const l1s = allocN(1 + rng.int(3), true);
    procL1.push(l1s);
    const shmUser = p % 4 === 0;
    for (let k = 0; k < l1s.length; k++) {
      const ts: number[] = [];
      const fs: number[] = [];
      const m = 8 + rng.int(25);
      for (let e = 0; e < m; e++) {
        const x = rng.float();
        if (x < 0.3) {
          ts.push(lib[rng.int(LIB_FRAMES)]!);
          fs.push(0);
        } else if (x < 0.45 && shmUser) {
          ts.push(shm[rng.int(SHM_FRAMES)]!);
          fs.push(E_RW);
        } else {
          ts.push(alloc());
          fs.push(E_RW);
        }
      }
      if (k === l1s.length - 1 && rng.int(8) === 0) {
        for (let s = 0; s < 2; s++) {
          const f = alloc();
          secret[f] = 1;
          secretFrames++;
          ts.push(f);
          fs.push(E_RW);
        }
      }
      l1Targets.push(ts);
      l1Flags.push(fs);
    }
  }

  const b = new TablesBuilder(frames, frames + procs * 80);
  const kernelSlots = (): void => {
    b.entry(dmL3, E_RW);
    b.entry(kiL3, E_RW);
  };
  b.begin(kernelL4, 4);
  kernelSlots();
  b.begin(dmL3, 3);
  for (const f of dmL2) b.entry(f, E_RW);
  for (let i = 0; i < dmL2.length; i++) {
    b.begin(dmL2[i]!, 2);
    for (let j = i * ENTRIES; j < Math.min(nDmL1, (i + 1) * ENTRIES); j++) b.entry(dmL1[j]!, E_RW);
  }
  for (let j = 0; j < nDmL1; j++) {
    b.begin(dmL1[j]!, 1);
    for (let pfn = j * ENTRIES; pfn < Math.min(frames, (j + 1) * ENTRIES); pfn++) {
      if (secret[pfn] === 0) b.entry(pfn, isTable[pfn] === 1 ? 0 : E_RW);
    }
  }
  b.begin(kiL3, 3);
  b.entry(kiL2, E_RW);
  b.begin(kiL2, 2);
  for (const f of kiL1) b.entry(f, E_RW);
  for (let j = 0; j < kiL1.length; j++) {
    b.begin(kiL1[j]!, 1);
    for (let i = j * ENTRIES; i < (j + 1) * ENTRIES; i++) b.entry(kimage[i]!, i < KERNEL_IMAGE_FRAMES / 2 ? 0 : E_RW);
  }
  let q = 0;
  for (let p = 1; p <= procs; p++) {
    b.begin(l4[p]!, 4);
    b.entry(l3[p]!, E_RW);
    kernelSlots();
    b.begin(l3[p]!, 3);
    b.entry(l2[p]!, E_RW);
    b.begin(l2[p]!, 2);
    const l1s = procL1[p]!;
    for (const f of l1s) b.entry(f, E_RW);
    for (const f of l1s) {
      b.begin(f, 1);
      const ts = l1Targets[q]!;
      const fs = l1Flags[q]!;
      q++;
      for (let e = 0; e < ts.length; e++) b.entry(ts[e]!, fs[e]!);
    }
  }

  // the order the guest pinned: init_mm at boot, then per process its L1s and its pgd
  const pins: number[] = [kernelL4];
  const pinLevel: number[] = [4];
  for (let p = 1; p <= procs; p++) {
    for (const f of procL1[p]!) {
      pins.push(f);
      pinLevel.push(1);
    }
    pins.push(l4[p]!);
    pinLevel.push(4);
  }
  return {
    mem: b.build(),
    pins: Int32Array.from(pins),
    pinLevel: Uint8Array.from(pinLevel),
    l4,
    procL1,
    textL1: kiL1.slice(0, 1), // the text half is exactly the first L1
    shm,
    secret: secretFrames,
    used: next,
  };
}
