import type { RawWords } from '../storedValues.ts';
import type { EmbindFrameInfo } from './embind.ts';

/** A codec's output for frame 1: unsigned words, samples interleaved. */
export interface DecodedFrame {
  readonly words: RawWords;
  readonly width: number;
  readonly height: number;
  readonly components: number;
  /**
   * The photometric interpretation of the decoded samples when the codec changed it (a JPEG decoder
   * turns YCbCr into RGB; JPEG 2000 undoes its colour transform, PS3.5 8.2.4). Undefined: unchanged.
   */
  readonly photometricInterpretation?: string;
}

/** Views decoded little-endian bytes as words of the given size (the bytes are ours: no copy). */
export function bytesToWords(bytes: Uint8Array, bitsPerSample: number): RawWords {
  if (bitsPerSample <= 8) return bytes;
  if (bitsPerSample <= 16) return new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >> 1);
  return new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >> 2);
}

/**
 * A WASM codec's frame as a DecodedFrame. `colourOut` is what three-component output is when the codec
 * converts colour itself (libjpeg's YCbCr → RGB, OpenJPEG's inverse RCT/ICT); without it the file's
 * photometric interpretation still holds.
 */
export function decodedFrameOf(info: EmbindFrameInfo, bytes: Uint8Array, colourOut?: 'RGB'): DecodedFrame {
  return {
    words: bytesToWords(bytes, info.bitsPerSample),
    width: info.width,
    height: info.height,
    components: info.componentCount,
    ...(colourOut && info.componentCount === 3 ? { photometricInterpretation: colourOut } : {}),
  };
}
