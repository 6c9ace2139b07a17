import { DicomReadError } from './errors.ts';
import type { PixelAttributes } from './pixelAttributes.ts';
import type { RawWords } from './storedValues.ts';

export interface RawFrame {
  readonly words: RawWords;
  /** True when `words` is memory of our own (a copy), false when it is a view of the parsed file. */
  readonly owned: boolean;
}

function asBytes(buffer: ArrayBuffer | Uint8Array): Uint8Array {
  return buffer instanceof Uint8Array ? buffer : new Uint8Array(buffer);
}

/** PS3.5 8.1.1: samples are packed in BitsAllocated-bit words; 1-bit (overlay-style) data is not an image we read. */
export function wordBytes(attrs: PixelAttributes): 1 | 2 | 4 {
  switch (attrs.BitsAllocated) {
    case 8:
      return 1;
    case 16:
      return 2;
    case 32:
      return 4;
    default:
      throw new DicomReadError('unsupported-pixel-format', `Pixel Data: BitsAllocated ${attrs.BitsAllocated} is not supported (8, 16 or 32)`);
  }
}

/** Planar (R…G…B…) to interleaved (RGB RGB…), PS3.3 C.7.6.3.1.3. */
function interleave<T extends RawWords>(planar: T, pixels: number, samples: number): T {
  const out = new (planar.constructor as new (length: number) => T)(pixels * samples);
  for (let s = 0; s < samples; s++) {
    const plane = s * pixels;
    for (let p = 0; p < pixels; p++) out[p * samples + s] = planar[plane + p]!;
  }
  return out;
}

/**
 * The first frame of native (uncompressed) Pixel Data as words in host order (little-endian hosts:
 * Node's supported platforms). Little-endian data aligned in memory is viewed, not copied.
 */
export function firstNativeFrame(
  pixelData: readonly (ArrayBuffer | Uint8Array)[],
  attrs: PixelAttributes,
  options: { bigEndian: boolean; vr: string | undefined },
): RawFrame {
  const bytesPerWord = wordBytes(attrs);
  const first = pixelData[0];
  if (first === undefined) throw new DicomReadError('no-pixel-data', 'Pixel Data (7FE0,0010) is empty');
  const bytes = asBytes(first);
  const pixels = attrs.Rows * attrs.Columns;
  const samples = pixels * attrs.SamplesPerPixel;
  const frameBytes = samples * bytesPerWord;
  if (bytes.length < frameBytes) {
    throw new DicomReadError(
      'corrupt-pixel-data',
      `Pixel Data: ${bytes.length} bytes, but frame 1 of ${attrs.Rows}×${attrs.Columns}×${attrs.SamplesPerPixel} ` +
        `at ${attrs.BitsAllocated} bits needs ${frameBytes}`,
    );
  }
  // Explicit VR Big Endian swaps bytes within each word of the VR: OW words are 16-bit even when
  // BitsAllocated is 8 (PS3.5 Annex A.3), so 8-bit pixels in OW come pairwise swapped.
  const swapUnit = options.bigEndian ? (bytesPerWord === 1 ? (options.vr === 'OW' ? 2 : 1) : bytesPerWord) : 1;
  let owned = false;
  let frame = bytes.subarray(0, frameBytes);
  if (swapUnit > 1) {
    const swapped = new Uint8Array(frameBytes + (frameBytes % swapUnit));
    swapped.set(frame);
    if (swapUnit === 2) {
      const words = new Uint16Array(swapped.buffer);
      for (let i = 0; i < words.length; i++) words[i] = ((words[i]! & 0xff) << 8) | (words[i]! >> 8);
    } else {
      const view = new DataView(swapped.buffer);
      for (let i = 0; i + 4 <= swapped.length; i += 4) view.setUint32(i, view.getUint32(i, false), true);
    }
    frame = swapped.subarray(0, frameBytes);
    owned = true;
  } else if (frame.byteOffset % bytesPerWord !== 0) {
    frame = frame.slice();
    owned = true;
  }
  let words: RawWords =
    bytesPerWord === 1
      ? frame
      : bytesPerWord === 2
        ? new Uint16Array(frame.buffer, frame.byteOffset, samples)
        : new Uint32Array(frame.buffer, frame.byteOffset, samples);
  if (attrs.SamplesPerPixel > 1 && attrs.PlanarConfiguration === 1) {
    words = interleave(words, pixels, attrs.SamplesPerPixel);
    owned = true;
  }
  return { words, owned };
}
