// Shared-memory layout of the real-threads migration walk (threads.ts, threads-worker.ts):
// one SharedArrayBuffer holding a control block, the structure's last level (which frame
// backs each leaf slot: the PTEs of the linear list, or the mid pages of the tree with their
// MFN twins) and the leaf frames' 64-bit entries. Entries are read and written only with
// Atomics on a BigInt64Array: one 64-bit store per entry, never two 32-bit halves.

export const SLOTS = 1024; // leaf slots (2 GiB of guest)
export const FRAMES = SLOTS + 2; // frame 0 unused, frame 1 the shared p2m_missing
export const MISSING = 1;
export const PER_LEAF = 512;

// control block (Int32 indices)
export const C_GEN = 0; // shared_info.arch.p2m_generation
export const C_STOP = 1;
export const C_NEXT_FRAME = 2; // the guest's page allocator
export const C_STRUCT = 3; // structural changes made by the guest
export const C_PAUSE_REQ = 4; // toolstack asks the guest to suspend
export const C_PAUSED = 5; // guest acknowledges (outside any update)
export const C_GO = 6;
export const C_WALKS = 7;
export const C_DETECTED = 8;
export const C_MISSED = 9;
export const C_TORN = 10;
export const C_READY = 11;
export const CONTROL_INTS = 16;

export interface SharedViews {
  readonly control: Int32Array;
  /** frame the guest's lookups use for each slot (kernel pointers / the list's PTEs) */
  readonly kern: Int32Array;
  /** frame the toolstack finds for each slot (p2m_mid_mfn for the tree; the same PTEs for the list) */
  readonly tools: Int32Array;
  readonly entries: BigInt64Array;
}

export function bufferBytes(): number {
  return CONTROL_INTS * 4 + SLOTS * 4 * 2 + FRAMES * PER_LEAF * 8;
}

export function views(sab: SharedArrayBuffer, listMode: boolean): SharedViews {
  const control = new Int32Array(sab, 0, CONTROL_INTS);
  const kern = new Int32Array(sab, CONTROL_INTS * 4, SLOTS);
  const tools = listMode ? kern : new Int32Array(sab, CONTROL_INTS * 4 + SLOTS * 4, SLOTS);
  const entries = new BigInt64Array(sab, CONTROL_INTS * 4 + SLOTS * 8, FRAMES * PER_LEAF);
  return { control, kern, tools, entries };
}

/** an entry value whose two 32-bit halves are equal: a torn read would show different halves */
export function pattern(k: number): bigint {
  const h = BigInt(k >>> 0);
  return (h << 32n) | h;
}

export function isTorn(v: bigint): boolean {
  return v !== -1n && (v & 0xffffffffn) !== ((v >> 32n) & 0xffffffffn);
}
