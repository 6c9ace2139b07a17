import { Decoder } from 'jpeg-lossless-decoder-js';
import { DicomReadError } from '../errors.ts';
import type { DecodedFrame } from './decodedFrame.ts';
import { readJpegFrameHeader } from './jpegMarkers.ts';

/**
 * Lossless JPEG, ISO 10918-1 process 14 (SOF3), any predictor: transfer syntaxes .57 and .70.
 * Decoded by jpeg-lossless-decoder-js, a maintained pure JavaScript decoder (no WASM to initialize).
 */
export function decodeJpegLossless(encoded: Uint8Array, where: string): DecodedFrame {
  const header = readJpegFrameHeader(encoded);
  if (header?.sofMarker !== 0xc3) {
    const found = header === undefined ? 'no SOF marker' : `SOF 0x${header.sofMarker.toString(16).toUpperCase()}`;
    throw new DicomReadError('corrupt-pixel-data', `${where}: frame 1 is not a lossless JPEG stream (SOF3 expected, ${found})`);
  }
  let words: Uint8Array | Uint16Array;
  const decoder = new Decoder();
  try {
    // The decoder reads through a DataView of the buffer, so it can be handed the file's memory in place.
    words = decoder.decode(encoded.buffer as ArrayBuffer, encoded.byteOffset, encoded.byteLength);
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new DicomReadError('corrupt-pixel-data', `${where}: lossless JPEG decoding failed: ${reason}`, { cause });
  }
  const expected = header.lines * header.samplesPerLine * header.components;
  if (words.length !== expected) {
    throw new DicomReadError('corrupt-pixel-data', `${where}: lossless JPEG decoded ${words.length} samples, header says ${expected}`);
  }
  return { words, width: header.samplesPerLine, height: header.lines, components: header.components };
}
