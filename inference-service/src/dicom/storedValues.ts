import type { StoredPixels } from './types.ts';

/** Unsigned words as they come out of the file or a codec, one per sample. */
export type RawWords = Uint8Array | Uint16Array | Uint32Array;

export interface StoredBits {
  readonly BitsStored: number;
  readonly HighBit: number;
  readonly PixelRepresentation: 0 | 1;
}

function signedView(raw: RawWords): Int8Array | Int16Array | Int32Array {
  if (raw instanceof Uint8Array) return new Int8Array(raw.buffer, raw.byteOffset, raw.length);
  if (raw instanceof Uint16Array) return new Int16Array(raw.buffer, raw.byteOffset, raw.length);
  return new Int32Array(raw.buffer, raw.byteOffset, raw.length);
}

/**
 * Turns container words into stored values (PS3.5 8.1.1): the BitsStored bits ending at HighBit,
 * anything above them (overlays, garbage) dropped, sign-extended when PixelRepresentation is 1
 * (PS3.3 C.7.6.3.1.3). Returns the input itself (or a signed view of the same memory) when every
 * word already is its stored value — the usual case — so a large frame is scanned, not copied.
 * When `owned`, the input may be rewritten in place; otherwise a new array is made.
 */
export function toStoredValues(raw: RawWords, bits: StoredBits, owned: boolean): StoredPixels {
  const containerBits = raw.BYTES_PER_ELEMENT * 8;
  const { BitsStored: stored, HighBit: highBit, PixelRepresentation: signed } = bits;
  const shift = highBit + 1 - stored;
  const n = raw.length;
  if (shift === 0 && stored === containerBits) return signed ? signedView(raw) : raw;
  const range = 2 ** stored;
  const divisor = 2 ** shift;
  const mask = range - 1;
  // Bit operators for 8/16-bit words (the hot path: plain loops, no calls); doubles for 32-bit ones,
  // where `>>`/`&` would wrap at bit 31.
  const small = containerBits < 32;
  if (signed === 0) {
    if (shift === 0) {
      let clean = true;
      for (let i = 0; i < n; i++) {
        if (raw[i]! >= range) {
          clean = false;
          break;
        }
      }
      if (clean) return raw;
    }
    const out = owned ? raw : (new (raw.constructor as new (length: number) => RawWords)(n));
    if (small) for (let i = 0; i < n; i++) out[i] = (raw[i]! >> shift) & mask;
    else for (let i = 0; i < n; i++) out[i] = Math.floor(raw[i]! / divisor) % range;
    return out;
  }
  const half = range / 2;
  const view = signedView(raw);
  if (shift === 0) {
    // A word already sign-extended reads, as a signed container, as a value within the stored range.
    let clean = true;
    for (let i = 0; i < n; i++) {
      const v = view[i]!;
      if (v < -half || v >= half) {
        clean = false;
        break;
      }
    }
    if (clean) return view;
  }
  const out = owned ? view : (new (view.constructor as new (length: number) => Int8Array | Int16Array | Int32Array)(n));
  if (small) {
    // (v XOR sign bit) − sign bit sign-extends a `stored`-bit value.
    for (let i = 0; i < n; i++) out[i] = (((raw[i]! >> shift) & mask) ^ half) - half;
  } else {
    for (let i = 0; i < n; i++) {
      const v = Math.floor(raw[i]! / divisor) % range;
      out[i] = v >= half ? v - range : v;
    }
  }
  return out;
}
