import loadCharls from '@cornerstonejs/codec-charls/decodewasmjs';
import type { RawWords } from '../storedValues.ts';
import { bytesToWords } from './decodedFrame.ts';
import type { DecodedFrame } from './decodedFrame.ts';
import { EmbindCodec } from './embind.ts';

const charls = new EmbindCodec('CharLS', loadCharls, 'JpegLSDecoder');

/** Planar to interleaved samples; CharLS leaves components planar in interleave mode 0 (ISO 14495-1). */
function interleave(planar: RawWords, pixels: number, components: number): RawWords {
  const out = new (planar.constructor as new (length: number) => RawWords)(pixels * components);
  for (let c = 0; c < components; c++) for (let p = 0; p < pixels; p++) out[p * components + c] = planar[c * pixels + p]!;
  return out;
}

/** JPEG-LS, lossless (.80) and near-lossless (.81), by CharLS compiled to WASM. */
export async function decodeJpegLs(encoded: Uint8Array, where: string): Promise<DecodedFrame> {
  const { info, bytes, interleaveMode } = await charls.decode(encoded, where);
  let words = bytesToWords(bytes, info.bitsPerSample);
  if (info.componentCount > 1 && interleaveMode === 0) words = interleave(words, info.width * info.height, info.componentCount);
  return { words, width: info.width, height: info.height, components: info.componentCount };
}
