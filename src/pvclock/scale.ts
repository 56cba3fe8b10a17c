// The conversion, exactly as pvclock_scale_delta() / __pvclock_read_cycles() in
// torvalds/linux:arch/x86/include/asm/pvclock.h: delta = tsc - tsc_timestamp (u64, wraps);
// shift first (left if tsc_shift > 0, right otherwise, 64-bit, truncating); then the 64x32
// multiply whose 96-bit product is shifted right by 32 (x86-64: mulq + shrd); then
// system_time + product (u64, wraps).
//
// Without BigInt: every u64 is a pair of u32 halves and every 32x32 product is split into
// 32x16 partial products, each below 2^48 and so exact in a double. The result lands in a
// caller-owned Uint32Array [lo, hi] so that nothing is allocated per read. No `%` on doubles:
// V8 compiles it to a call to fmod, several times the cost of the rest.

const TWO32 = 4294967296;
const TWO16 = 65536;

export const OUT_LO = 0;
export const OUT_HI = 1;

/**
 * out = system_time + pvclock_scale_delta(tsc - tsc_timestamp, mul, shift), all u64 as halves.
 * Inputs are unsigned 32-bit values (as numbers); shift is the signed tsc_shift.
 */
export function pvclockReadCycles(
  tscLo: number,
  tscHi: number,
  tsLo: number,
  tsHi: number,
  sysLo: number,
  sysHi: number,
  mul: number,
  shift: number,
  out: Uint32Array,
): void {
  // delta = tsc - tsc_timestamp, modulo 2^64
  let dLo = tscLo - tsLo;
  let dHi = tscHi - tsHi;
  if (dLo < 0) {
    dLo += TWO32;
    dHi -= 1;
  }
  dHi = dHi >>> 0;
  // if (shift < 0) delta >>= -shift; else delta <<= shift;  (u64, bits shifted out are lost)
  if (shift < 0) {
    const s = -shift;
    if (s >= 64) {
      dLo = 0;
      dHi = 0;
    } else if (s >= 32) {
      dLo = dHi >>> (s - 32);
      dHi = 0;
    } else if (s > 0) {
      dLo = ((dLo >>> s) | (dHi << (32 - s))) >>> 0;
      dHi = dHi >>> s;
    }
  } else if (shift > 0) {
    if (shift >= 64) {
      dLo = 0;
      dHi = 0;
    } else if (shift >= 32) {
      dHi = (dLo << (shift - 32)) >>> 0;
      dLo = 0;
    } else {
      dHi = ((dHi << shift) | (dLo >>> (32 - shift))) >>> 0;
      dLo = (dLo << shift) >>> 0;
    }
  }
  // (delta * mul) >> 32 = dHi*mul + ((dLo*mul) >> 32): only the high half of dLo*mul survives
  const mH = Math.floor(mul / TWO16); // mul = mH*2^16 + mL
  const mL = mul - mH * TWO16;
  // dLo*mul = dLo*mH*2^16 + dLo*mL; both partial products < 2^48
  const a1 = dLo * mH;
  const a0 = dLo * mL;
  const a1Hi = Math.floor(a1 / TWO16); // a1*2^16 = a1Hi*2^32 + (a1 mod 2^16)*2^16
  const a0Hi = Math.floor(a0 / TWO32);
  const aLoSum = (a1 - a1Hi * TWO16) * TWO16 + (a0 - a0Hi * TWO32);
  const aHi = a1Hi + a0Hi + Math.floor(aLoSum / TWO32); // (dLo*mul) >> 32, < 2^32
  // dHi*mul as (bHi, bLo)
  const b1 = dHi * mH;
  const b0 = dHi * mL;
  const b1Hi = Math.floor(b1 / TWO16);
  const b0Hi = Math.floor(b0 / TWO32);
  const bLoSum = (b1 - b1Hi * TWO16) * TWO16 + (b0 - b0Hi * TWO32);
  const bCarry = Math.floor(bLoSum / TWO32);
  const bLo = bLoSum - bCarry * TWO32;
  const bHi = b1Hi + b0Hi + bCarry;
  // product = (bHi, bLo) + aHi  (fits in 64 bits: the 96-bit product >> 32)
  let pLo = bLo + aHi;
  let pHi = bHi;
  if (pLo >= TWO32) {
    pLo -= TWO32;
    pHi += 1;
  }
  // ns = system_time + product, modulo 2^64
  let rLo = sysLo + pLo;
  let rHi = sysHi + pHi;
  if (rLo >= TWO32) {
    rLo -= TWO32;
    rHi += 1;
  }
  out[OUT_LO] = rLo;
  out[OUT_HI] = rHi; // Uint32Array store reduces modulo 2^32
}

/** Reference in BigInt, written straight from the kernel's formula (tests and the gate). */
export function pvclockReadCyclesRef(
  tsc: bigint,
  tsc_timestamp: bigint,
  system_time: bigint,
  mul: number,
  shift: number,
): bigint {
  const M64 = (1n << 64n) - 1n;
  let delta = (tsc - tsc_timestamp) & M64;
  if (shift < 0) delta >>= BigInt(-shift);
  else delta = (delta << BigInt(shift)) & M64;
  const product = (delta * BigInt(mul)) >> 32n;
  return (system_time + product) & M64;
}

/**
 * Clone of the host's kvm_get_time_scale() (torvalds/linux:arch/x86/kvm/x86.c; re-derived in
 * re-derived by hand from the same C): the shift and 32.32 multiplier that convert base_hz ticks
 * into scaled_hz ticks, ending in div_frac() = floor((scaled << 32) / tps32), so the clock
 * runs slightly slow. Not on a hot path, so BigInt.
 */
export function kvmGetTimeScale(
  scaled_hz: number,
  base_hz: number,
): { readonly tsc_shift: number; readonly tsc_to_system_mul: number } {
  const HIGH = 0xffffffff00000000n;
  let shift = 0;
  let tps64 = BigInt(base_hz);
  let scaled64 = BigInt(scaled_hz);
  while (tps64 > scaled64 * 2n || (tps64 & HIGH) !== 0n) {
    tps64 >>= 1n;
    shift--;
  }
  let tps32 = tps64 & 0xffffffffn;
  while (tps32 <= scaled64 || (scaled64 & HIGH) !== 0n) {
    if ((scaled64 & HIGH) !== 0n || (tps32 & 0x80000000n) !== 0n) scaled64 >>= 1n;
    else tps32 = (tps32 << 1n) & 0xffffffffn;
    shift++;
  }
  const mul = (scaled64 << 32n) / tps32;
  return { tsc_shift: shift, tsc_to_system_mul: Number(mul) };
}
