import { DicomReadError } from '../errors.ts';
import { decodedFrameOf } from './decodedFrame.ts';
import type { DecodedFrame } from './decodedFrame.ts';
import { EmbindCodec } from './embind.ts';
import { decodeJpeg12 } from './jpeg12.ts';
import { readJpegFrameHeader } from './jpegMarkers.ts';
import { loadLibjpegTurbo } from './libjpegTurbo.ts';

const libjpegTurbo = new EmbindCodec('libjpeg-turbo (8-bit)', async (options) => (await loadLibjpegTurbo(options)).module, 'JPEGDecoder');

/**
 * DCT JPEG, ISO 10918-1 processes 1 (8-bit baseline), 2 (8-bit extended) and 4 (12-bit extended).
 * 8-bit streams go to libjpeg-turbo; 12-bit ones to libjpeg's 12-bit build in dcmjs-codecs (see jpeg12.ts).
 */
export async function decodeJpegDct(encoded: Uint8Array, where: string): Promise<DecodedFrame> {
  const header = readJpegFrameHeader(encoded);
  if (header === undefined) {
    throw new DicomReadError('corrupt-pixel-data', `${where}: frame 1 is not a JPEG stream (no SOI/SOF markers)`);
  }
  if (header.precision === 12) return decodeJpeg12(encoded, header, where);
  if (header.precision !== 8) {
    throw new DicomReadError(
      'corrupt-pixel-data',
      `${where}: ${header.precision}-bit DCT JPEG (SOF 0x${header.sofMarker.toString(16).toUpperCase()}): ISO 10918-1 DCT precision is 8 or 12 bits`,
    );
  }
  const { info, bytes } = await libjpegTurbo.decode(encoded, where);
  // libjpeg converts YCbCr to RGB on output (and leaves Adobe "no transform" RGB as is).
  return decodedFrameOf(info, bytes, 'RGB');
}
