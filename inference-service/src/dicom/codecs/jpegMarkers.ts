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

/**
 * Whether a frame ends with 0xFFD9 — JPEG's EOI, JPEG-LS's EOI, JPEG 2000's EOC — allowing the pad byte
 * of an odd-length fragment (PS3.5 A.4 says 0x00; some encoders write 0xFF, a JPEG fill byte, as
 * pydicom's JPGExtended.dcm shows). libjpeg's 12-bit build and OpenJPH both decode a
 * stream cut short without an error (the missing tail comes out grey), so their callers refuse a
 * frame that does not end here.
 */
export function endsWithEndMarker(frame: Uint8Array): boolean {
  let end = frame.length;
  while (end > 0 && (frame[end - 1] === 0 || frame[end - 1] === 0xff)) end--;
  return end >= 2 && frame[end - 2] === 0xff && frame[end - 1] === 0xd9;
}
