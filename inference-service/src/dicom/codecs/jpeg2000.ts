import loadOpenjpeg from '@cornerstonejs/codec-openjpeg/decodewasmjs';
import { decodedFrameOf } from './decodedFrame.ts';
import type { DecodedFrame } from './decodedFrame.ts';
import { EmbindCodec } from './embind.ts';

const openjpeg = new EmbindCodec('OpenJPEG', loadOpenjpeg, 'J2KDecoder');

/** JPEG 2000 Part 1, reversible (.90) and irreversible (.91), by OpenJPEG compiled to WASM. */
export async function decodeJpeg2000(encoded: Uint8Array, where: string): Promise<DecodedFrame> {
  const { info, bytes } = await openjpeg.decode(encoded, where);
  // OpenJPEG undoes the multiple-component transform (RCT/ICT), so YBR_RCT/YBR_ICT come out RGB.
  return decodedFrameOf(info, bytes, 'RGB');
}
