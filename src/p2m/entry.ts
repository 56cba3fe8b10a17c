// p2m entry encoding, as in Linux arch/x86/include/asm/xen/page.h:
//   INVALID_P2M_ENTRY  = ~0UL                      (all ones)
//   FOREIGN_FRAME_BIT  = 1UL << (BITS_PER_LONG-1)   bit 63 (64-bit guest) / bit 31 (32-bit)
//   IDENTITY_FRAME_BIT = 1UL << (BITS_PER_LONG-2)   bit 62 / bit 30
//   pfn_to_mfn(pfn)    = entry, with both flag bits cleared unless it is INVALID
//
// Guest memory holds the real bit pattern: a 64-bit entry is two little-endian Uint32 lanes
// (lo = bits 0..31, hi = bits 32..63), a 32-bit entry is one lane. Tests check the lanes.
//
// JS code handles an entry as one number (no BigInt: reading a BigInt64Array allocates).
// For a 32-bit guest that number is the raw entry itself. For a 64-bit guest a raw entry
// needs 64 bits of precision only because of the two flag bits, so the number view moves
// them from bits 63/62 down to bits 51/50: the view is exact for every MFN below 2^50
// (x86-64 physical addresses have at most 52 bits, so real MFNs are below 2^40), and
// INVALID (all 64 ones) becomes all 52 ones. An unflagged entry's view equals its raw value,
// so pfn_to_mfn results are the real numbers. A flagged MFN >= 2^50 is rejected on write.

export type Width = 32 | 64;

export interface Encoding {
  readonly width: Width;
  /** view of INVALID_P2M_ENTRY */
  readonly INVALID: number;
  /** view of FOREIGN_FRAME_BIT */
  readonly FOREIGN: number;
  /** view of IDENTITY_FRAME_BIT */
  readonly IDENTITY: number;
  /** largest MFN a view can carry (exclusive bound) */
  readonly MFN_LIMIT: number;
  /** entries per 4 KiB page: PAGE_SIZE / sizeof(unsigned long) */
  readonly perPage: number;
  /** log2(perPage) */
  readonly shift: number;
}

export const E64: Encoding = {
  width: 64,
  INVALID: 2 ** 52 - 1,
  FOREIGN: 2 ** 51,
  IDENTITY: 2 ** 50,
  MFN_LIMIT: 2 ** 50,
  perPage: 512,
  shift: 9,
};

export const E32: Encoding = {
  width: 32,
  INVALID: 2 ** 32 - 1,
  FOREIGN: 2 ** 31,
  IDENTITY: 2 ** 30,
  MFN_LIMIT: 2 ** 30,
  perPage: 1024,
  shift: 10,
};

export function encoding(width: Width): Encoding {
  return width === 64 ? E64 : E32;
}

/** IDENTITY_FRAME(pfn) */
export function identityFrame(enc: Encoding, pfn: number): number {
  return pfn + enc.IDENTITY;
}

/** FOREIGN_FRAME(mfn) */
export function foreignFrame(enc: Encoding, mfn: number): number {
  return mfn + enc.FOREIGN;
}

export function hasIdentityBit(enc: Encoding, e: number): boolean {
  return e !== enc.INVALID && Math.floor(e / enc.IDENTITY) % 2 === 1;
}

export function hasForeignBit(enc: Encoding, e: number): boolean {
  return e !== enc.INVALID && e >= enc.FOREIGN;
}

/** pfn_to_mfn applied to a raw entry: clear both flags unless INVALID */
export function stripFlags(enc: Encoding, e: number): number {
  return e === enc.INVALID ? e : e % enc.IDENTITY;
}

/** A view value that can be stored: INVALID, or flags (either, not both) + MFN < MFN_LIMIT. */
export function checkEntry(enc: Encoding, e: number): void {
  if (e === enc.INVALID) return;
  if (
    !Number.isInteger(e) ||
    e < 0 ||
    e >= enc.FOREIGN + enc.MFN_LIMIT ||
    (e >= enc.FOREIGN && hasIdentityBit(enc, e))
  ) {
    throw new RangeError(
      `p2m entry ${e} is not representable for a ${enc.width}-bit guest (MFN below 2^${Math.log2(enc.MFN_LIMIT)}, one flag at most)`,
    );
  }
}

const TWO32 = 4294967296;

/** 64-bit: raw lanes → view */
export function viewOf(lo: number, hi: number): number {
  return ((hi & 0x3ffff) | ((hi >>> 30) << 18)) * TWO32 + (lo >>> 0);
}

/** 64-bit: view → raw hi lane (the lo lane is `e >>> 0`) */
export function hiLaneOf(e: number): number {
  if (e === E64.INVALID) return 0xffffffff; // all 64 ones, not only the 52 of the view
  const vh = (e / TWO32) >>> 0;
  return ((vh & 0x3ffff) | ((vh >>> 18) << 30)) >>> 0;
}

/** Human-readable raw entry, for gate messages and traces. */
export function formatEntry(enc: Encoding, e: number): string {
  if (e === enc.INVALID) return 'INVALID';
  if (hasIdentityBit(enc, e)) return `IDENTITY(${stripFlags(enc, e)})`;
  if (hasForeignBit(enc, e)) return `FOREIGN(${stripFlags(enc, e)})`;
  return `mfn ${e}`;
}
