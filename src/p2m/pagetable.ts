// The guest's own 4-level x86-64 page tables, as far as the linear p2m list needs them: the
// list lives in the kernel's vmalloc area, and the toolstack finds it by walking these tables
// from shared_info.arch.p2m_cr3 (the MFN of swapper_pg_dir). Each level is a 4 KiB frame of
// 512 64-bit entries; an entry holds the next frame's MFN (in this model, the frame index in
// the lo lane; flag bits are not modelled, read-only-ness is implied by the shared frames).
//
// Virtual addresses are handled as virtual page numbers (VA >> 12) of the canonical upper
// half, so every number stays an exact integer: VPN bits 27..35 index L4, 18..26 L3,
// 9..17 L2 (PMD), 0..8 L1 (PTE).
import { type Arena, PAGE_SHIFT_LANES } from './memory.js';

/** Linux x86-64 4-level vmalloc base (0xffffc90000000000), as a 48-bit VPN */
export const VMALLOC_START_VPN = 0xc90000000000 / 4096;
/** the Xen-reserved hole of the upper half, 0xffff800000000000 - 0xffff87ffffffffff, as VPNs */
export const XEN_HOLE_VPN: readonly [number, number] = [0x800000000000 / 4096, 0x87ffffffffff / 4096];

export const PT_ENTRIES = 512;

/** index into the level-`level` table (4 = L4 .. 1 = L1) of a VPN */
export function ptIndex(vpn: number, level: number): number {
  return Math.floor(vpn / PT_ENTRIES ** (level - 1)) % PT_ENTRIES;
}

export function readPte(mem: Arena, frame: number, idx: number): number {
  return mem.lanes[(frame << PAGE_SHIFT_LANES) + (idx << 1)]!;
}

export function writePte(mem: Arena, frame: number, idx: number, target: number): void {
  const b = (frame << PAGE_SHIFT_LANES) + (idx << 1);
  mem.lanes[b] = target;
  mem.lanes[b + 1] = 0;
}

export function fillPtes(mem: Arena, frame: number, target: number): void {
  for (let i = 0; i < PT_ENTRIES; i++) writePte(mem, frame, i, target);
}
