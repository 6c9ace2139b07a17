import loadOpenjph from '@cornerstonejs/codec-openjph/wasmjs';
import { DicomReadError } from '../errors.ts';
import { decodedFrameOf } from './decodedFrame.ts';
import type { DecodedFrame } from './decodedFrame.ts';
import { EmbindCodec } from './embind.ts';
import { endsWithEndMarker } from './jpegMarkers.ts';

const openjph = new EmbindCodec('OpenJPH', loadOpenjph, 'HTJ2KDecoder');

/**
 * High-Throughput JPEG 2000 (ISO 15444-15), transfer syntaxes .201 (lossless), .202 (lossless, RPCL)
 * and .203, by OpenJPH compiled to WASM. OpenJPH decodes a codestream cut short without an error, so a
 * frame must end with its EOC marker.
 */
export async function decodeHtj2k(encoded: Uint8Array, where: string): Promise<DecodedFrame> {
  if (!endsWithEndMarker(encoded)) {
    throw new DicomReadError('corrupt-pixel-data', `${where}: frame 1's HTJ2K codestream has no EOC marker at its end (truncated codestream)`);
  }
  const { info, bytes } = await openjph.decode(encoded, where);
  // Like OpenJPEG, OpenJPH undoes the multiple-component transform, so YBR_RCT/YBR_ICT come out RGB.
  return decodedFrameOf(info, bytes, 'RGB');
}
