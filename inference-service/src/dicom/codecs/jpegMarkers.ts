/** The frame header (SOF) of a JPEG stream, ISO 10918-1 B.2.2. */
export interface JpegFrameHeader {
  /** 0xC0…0xCF except C4 (DHT), C8 (JPG) and CC (DAC). */
  readonly sofMarker: number;
  readonly precision: number;
  readonly lines: number;
  readonly samplesPerLine: number;
  readonly components: number;
}

/**
 * Walks the marker segments up to the first SOF. Undefined when the stream has none (or is not JPEG):
 * only used to pick a decoder and to refuse what none can decode, before handing bytes to WASM.
 */
export function readJpegFrameHeader(bytes: Uint8Array): JpegFrameHeader | undefined {
  if (bytes[0] !== 0xff || bytes[1] !== 0xd8) return undefined;
  let at = 2;
  while (at + 4 <= bytes.length) {
    if (bytes[at] !== 0xff) return undefined;
    const marker = bytes[at + 1]!;
    if (marker === 0xff) {
      at += 1; // fill byte (B.1.1.2)
      continue;
    }
    const length = (bytes[at + 2]! << 8) | bytes[at + 3]!;
    const isSof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isSof) {
      if (at + 10 > bytes.length) return undefined;
      return {
        sofMarker: marker,
        precision: bytes[at + 4]!,
        lines: (bytes[at + 5]! << 8) | bytes[at + 6]!,
        samplesPerLine: (bytes[at + 7]! << 8) | bytes[at + 8]!,
        components: bytes[at + 9]!,
      };
    }
    if (marker === 0xda || length < 2) return undefined; // SOS before SOF: malformed
    at += 2 + length;
  }
  return undefined;
}
