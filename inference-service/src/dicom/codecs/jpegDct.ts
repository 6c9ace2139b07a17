import loadLibjpegTurbo from '@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasmjs';
import { DicomReadError } from '../errors.ts';
import { decodedFrameOf } from './decodedFrame.ts';
import type { DecodedFrame } from './decodedFrame.ts';
import { EmbindCodec } from './embind.ts';
import { readJpegFrameHeader } from './jpegMarkers.ts';

const libjpegTurbo = new EmbindCodec('libjpeg-turbo (8-bit)', loadLibjpegTurbo, 'JPEGDecoder');

/**
 * DCT JPEG, ISO 10918-1 processes 1 (8-bit baseline) and 2 (8-bit extended). 12-bit process 4 is
 * refused: the maintained WASM build is libjpeg-turbo's 8-bit API, and npm has no maintained 12-bit
 * DCT decoder (the only one, a fork of pdf.js's jpg.js, lives inside @cornerstonejs/dicom-image-loader).
 */
export async function decodeJpegDct(encoded: Uint8Array, where: string): Promise<DecodedFrame> {
  const header = readJpegFrameHeader(encoded);
  if (header === undefined) {
    throw new DicomReadError('corrupt-pixel-data', `${where}: frame 1 is not a JPEG stream (no SOI/SOF markers)`);
  }
  if (header.precision !== 8) {
    throw new DicomReadError(
      'unsupported-transfer-syntax',
      `${where}: ${header.precision}-bit DCT JPEG (SOF 0x${header.sofMarker.toString(16).toUpperCase()}, JPEG Extended process 4) ` +
        'has no maintained decoder available to this service; only 8-bit DCT JPEG is decoded',
    );
  }
  const { info, bytes } = await libjpegTurbo.decode(encoded, where);
  // libjpeg converts YCbCr to RGB on output (and leaves Adobe "no transform" RGB as is).
  return decodedFrameOf(info, bytes, 'RGB');
}
