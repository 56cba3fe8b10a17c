// struct pvclock_vcpu_time_info, byte-exact (torvalds/linux:arch/x86/include/asm/pvclock-abi.h,
// "These structs MUST NOT be changed. They are the ABI between hypervisor and guest OS"): 32
// packed bytes, one per 64-byte line as in struct pvclock_vsyscall_time_info
// (__aligned(SMP_CACHE_BYTES), arch/x86/include/asm/pvclock.h). The area lives in a
// SharedArrayBuffer so that host and vCPU workers read and write the same bytes.
//
// Hot paths use 32-bit lanes of an Int32Array (a u64 is two lanes, little-endian as on x86);
// tests check the lanes against DataView reads at the ABI's byte offsets.
import { OUT_HI, OUT_LO, pvclockReadCycles } from './scale.js';

/** byte offsets inside one pvti (pvclock-abi.h) */
export const PVTI_VERSION = 0; // u32, odd while the host is writing
export const PVTI_PAD0 = 4; // u32
export const PVTI_TSC_TIMESTAMP = 8; // u64, guest TSC at the last update
export const PVTI_SYSTEM_TIME = 16; // u64, ns at the last update
export const PVTI_TSC_TO_SYSTEM_MUL = 24; // u32, 32.32 fixed point
export const PVTI_TSC_SHIFT = 28; // s8, applied before the multiply
export const PVTI_FLAGS = 29; // u8
export const PVTI_PAD = 30; // u8[2]
export const PVTI_SIZE = 32;
/** one pvti per cache line: pvclock_vsyscall_time_info is __aligned(SMP_CACHE_BYTES) */
export const PVTI_STRIDE = 64;
/**
 * u32 after the pvti in the same line: `migrate_count` of pvclock_vsyscall_time_info in Linux
 * 4.0 (arch/x86/include/asm/pvclock.h), bumped by the guest's task-migration notifier
 * (arch/x86/kernel/pvclock.c:pvclock_task_migrate) for the cpu a task leaves; the host never
 * writes it (its copy covers the 32 bytes of the pvti only).
 */
export const PVTI_MIGRATE_COUNT = 32;
/** 4 KiB pages, as the fixmap / vvar map them */
export const PAGE_SIZE = 4096;

export const PVCLOCK_TSC_STABLE_BIT = 1 << 0;
export const PVCLOCK_GUEST_STOPPED = 1 << 1;
export const PVCLOCK_COUNTS_FROM_ZERO = 1 << 2;

/** 32-bit lane indices inside one line (byte offset / 4) */
export const LANE_VERSION = PVTI_VERSION / 4;
export const LANE_TSC_LO = PVTI_TSC_TIMESTAMP / 4;
export const LANE_TSC_HI = LANE_TSC_LO + 1;
export const LANE_SYS_LO = PVTI_SYSTEM_TIME / 4;
export const LANE_SYS_HI = LANE_SYS_LO + 1;
export const LANE_MUL = PVTI_TSC_TO_SYSTEM_MUL / 4;
/** tsc_shift (byte 28), flags (byte 29) and pad (30, 31) share this lane */
export const LANE_SHIFT_FLAGS = PVTI_TSC_SHIFT / 4;
export const LINE_LANES = PVTI_STRIDE / 4;
export const LANE_MIGRATE_COUNT = PVTI_MIGRATE_COUNT / 4;

const TWO32 = 4294967296;

if (new Uint8Array(new Uint32Array([1]).buffer)[0] !== 1) {
  // the lane layout above assumes x86's byte order, as the ABI does
  throw new Error('pvti: little-endian host required');
}

/** The per-vCPU pvti area: `nr` lines of 64 bytes, the first 32 of each a pvti. */
export class PvtiArea {
  readonly lanes: Int32Array;
  constructor(
    readonly nr: number,
    readonly buffer: SharedArrayBuffer | ArrayBuffer = new SharedArrayBuffer(nr * PVTI_STRIDE),
  ) {
    if (buffer.byteLength < nr * PVTI_STRIDE) throw new RangeError(`pvti area needs ${nr * PVTI_STRIDE} bytes`);
    this.lanes = new Int32Array(buffer, 0, nr * LINE_LANES);
  }
}

/** first lane of vCPU `cpu`'s pvti */
export function pvtiBase(cpu: number): number {
  return cpu * LINE_LANES;
}

/** The body of a pvti as plain numbers (u64 fields exact below 2^53). Not used on hot paths. */
export interface PvtiBody {
  readonly tsc_timestamp: number;
  readonly system_time: number;
  readonly tsc_to_system_mul: number;
  readonly tsc_shift: number;
  readonly flags: number;
}

export function lo32(x: number): number {
  return x >>> 0;
}
export function hi32(x: number): number {
  return Math.floor(x / TWO32) >>> 0;
}

export function packShiftFlags(shift: number, flags: number): number {
  return (shift & 0xff) | ((flags & 0xff) << 8);
}

/** Decodes a pvti from its lanes (a snapshot for tests and references; not atomic). */
export function readBody(lanes: Int32Array, cpu: number): PvtiBody & { readonly version: number } {
  const b = pvtiBase(cpu);
  const sf = lanes[b + LANE_SHIFT_FLAGS]!;
  return {
    version: lanes[b + LANE_VERSION]! >>> 0,
    tsc_timestamp: (lanes[b + LANE_TSC_HI]! >>> 0) * TWO32 + (lanes[b + LANE_TSC_LO]! >>> 0),
    system_time: (lanes[b + LANE_SYS_HI]! >>> 0) * TWO32 + (lanes[b + LANE_SYS_LO]! >>> 0),
    tsc_to_system_mul: lanes[b + LANE_MUL]! >>> 0,
    tsc_shift: (sf << 24) >> 24,
    flags: (sf >>> 8) & 0xff,
  };
}

/**
 * __pvclock_read_cycles over the pvti at lane `b`: out = system_time + scale(tsc -
 * tsc_timestamp). The caller passes what it has already loaded (the shift/flags word and
 * tsc_timestamp, at the point of its own read order); system_time and the multiplier are
 * loaded here, as the real reader loads them after tsc_timestamp.
 */
export function scalePvti(
  lanes: Int32Array,
  b: number,
  sf: number,
  tsc: number,
  tsLo: number,
  tsHi: number,
  out: Uint32Array,
): number {
  pvclockReadCycles(
    tsc >>> 0,
    Math.floor(tsc / TWO32),
    tsLo,
    tsHi,
    lanes[b + LANE_SYS_LO]! >>> 0,
    lanes[b + LANE_SYS_HI]! >>> 0,
    lanes[b + LANE_MUL]! >>> 0,
    (sf << 24) >> 24,
    out,
  );
  return out[OUT_HI]! * TWO32 + out[OUT_LO]!;
}
