import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readDicomDataset } from '../../../inference-service/src/dicom/index.ts';
import type { DicomDataset } from '../../../inference-service/src/dicom/index.ts';
import { writePart10 } from '../../../inference-service/src/dicom/writePart10.ts';
import { realJpegBaselineDcm } from '../../support/paths.ts';
import { readBytes, runTool } from './dicomTools.ts';

/** The bit depths a modality sends, and how each is made from the real 8-bit image. */
export const depths = [8, 12, 14, 16] as const;
export type Depth = (typeof depths)[number];

export interface DepthImage {
  readonly bits: Depth;
  readonly width: number;
  readonly height: number;
  /** The stored values, unsigned, as the native file holds them. */
  readonly words: Uint8Array | Uint16Array;
  /** The native (Explicit VR Little Endian) file. */
  readonly file: string;
  readonly dataset: DicomDataset;
}

/**
 * The real SIIM image at 8, 12, 14 and 16 bits stored: dcmdjpeg's decompression v8, then
 * round(v8·(2^b − 1)/255), so every depth shows the same image on TorchXRayVision's scale (to 0.25 of
 * its ±1024 at 12 bits; exactly at 16, where the factor is 257).
 */
export function makeDepthImages(dir: string): Record<Depth, DepthImage> {
  const native8 = join(dir, 'depth8.dcm');
  runTool('dcmdjpeg', [realJpegBaselineDcm, native8]);
  mkdirSync(join(dir, 'raw'), { recursive: true });
  runTool('dcmdump', ['+W', join(dir, 'raw'), native8]);
  const v8 = new Uint8Array(readFileSync(join(dir, 'raw/depth8.dcm.0.raw')));
  const { dataset: dataset8 } = readDicomDataset(readBytes(native8));
  const width = Number(dataset8.Columns);
  const height = Number(dataset8.Rows);
  const out = { 8: { bits: 8, width, height, words: v8, file: native8, dataset: dataset8 } } as Record<Depth, DepthImage>;
  for (const bits of [12, 14, 16] as const) {
    const max = 2 ** bits - 1;
    const words = Uint16Array.from(v8, (v) => Math.round((v * max) / 255));
    const file = join(dir, `depth${bits}.dcm`);
    const vrMap = { ...((dataset8._vrMap as Record<string, string> | undefined) ?? {}), PixelData: 'OW' };
    const dataset = { ...dataset8, _vrMap: vrMap, BitsAllocated: 16, BitsStored: bits, HighBit: bits - 1, PixelRepresentation: 0, PixelData: words.buffer };
    writeFileSync(file, writePart10(dataset));
    out[bits] = { bits, width, height, words, file, dataset: readDicomDataset(readBytes(file)).dataset };
  }
  return out;
}

/** Little-endian sample bytes of an image, as OpenJPH and OpenJPEG read raw input. */
export function rawBytes(words: Uint8Array | Uint16Array): Uint8Array {
  return new Uint8Array(words.buffer, words.byteOffset, words.byteLength);
}

/** OpenJPH's `ojph_compress` on raw samples; `reversible` for lossless, else the 9/7 wavelet at `qstep`. */
export function ojphCompress(
  dir: string,
  name: string,
  image: { width: number; height: number; bits: number; words: Uint8Array | Uint16Array },
  options: { reversible: boolean; qstep?: number; progression?: string },
): Uint8Array {
  const raw = join(dir, `${name}.raw`);
  const out = join(dir, `${name}.j2c`);
  writeFileSync(raw, rawBytes(image.words));
  runTool('ojph_compress', [
    '-i', raw, '-o', out,
    '-dims', `{${image.width},${image.height}}`, '-num_comps', '1', '-signed', 'false',
    '-bit_depth', String(image.bits), '-downsamp', '{1,1}',
    '-reversible', String(options.reversible),
    ...(options.qstep !== undefined ? ['-qstep', String(options.qstep)] : []),
    ...(options.progression ? ['-prog_order', options.progression] : []),
  ]);
  return readBytes(out);
}

/** OpenJPH's own decoder, `ojph_expand`, to raw samples. */
export function ojphExpand(dir: string, name: string, codestream: Uint8Array, bits: number): Uint8Array | Uint16Array {
  const input = join(dir, `${name}.expand.j2c`);
  const raw = join(dir, `${name}.expand.raw`);
  writeFileSync(input, codestream);
  runTool('ojph_expand', ['-i', input, '-o', raw]);
  return wordsOf(readBytes(raw), bits);
}

/** OpenJPEG's `opj_compress` (lossless 5/3 by default) on little-endian raw samples, as a J2K codestream. */
export function opjCompress(dir: string, name: string, image: { width: number; height: number; bits: number; words: Uint8Array | Uint16Array }): Uint8Array {
  const raw = join(dir, `${name}.rawl`);
  const out = join(dir, `${name}.j2k`);
  writeFileSync(raw, rawBytes(image.words));
  runTool('opj_compress', ['-i', raw, '-o', out, '-F', `${image.width},${image.height},1,${image.bits},u`]);
  return readBytes(out);
}

/** OpenJPEG's own decoder, `opj_decompress`, to raw samples. */
export function opjDecompress(dir: string, name: string, codestream: Uint8Array, bits: number): Uint8Array | Uint16Array {
  const input = join(dir, `${name}.decompress.j2k`);
  const raw = join(dir, `${name}.decompress.rawl`);
  writeFileSync(input, codestream);
  runTool('opj_decompress', ['-i', input, '-o', raw]);
  return wordsOf(readBytes(raw), bits);
}

function wordsOf(bytes: Uint8Array, bits: number): Uint8Array | Uint16Array {
  if (bits <= 8) return bytes;
  return new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >> 1);
}
