import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { DicomPixelFrame } from '../../../inference-service/src/dicom/types.ts';
import { decodeNpy } from '../../../inference-service/src/xray/npy.ts';
import { repoRoot } from '../../support/paths.ts';

/** Outputs of scripts/reference/make_xray_references.py (scikit-image 0.19, scipy 1.10, pydicom 2.3). */
export const xrayFixturesDir = resolve(repoRoot, 'test/fixtures/xray');

interface Crop {
  readonly x: number;
  readonly y: number;
  readonly size: number;
}

export interface SyntheticCase {
  readonly name: string;
  readonly kind: 'pipeline' | 'resize';
  readonly width: number;
  readonly height: number;
  readonly bits: number;
  readonly bright: boolean;
  readonly resolution?: number;
  readonly outWidth?: number;
  readonly outHeight?: number;
  readonly crop?: Crop;
  readonly file: string;
  readonly shape: readonly number[];
}

export interface RealReference {
  readonly source: string;
  readonly reader: string;
  readonly crop?: Crop;
  readonly file?: string;
  readonly shape?: readonly number[];
  readonly pixelRow60Column2?: number;
}

export interface XrayReferences {
  readonly versions: Record<string, string>;
  readonly synthetic: readonly SyntheticCase[];
  readonly real: readonly RealReference[];
}

export const xrayReferences = JSON.parse(
  readFileSync(resolve(xrayFixturesDir, 'references.json'), 'utf8'),
) as XrayReferences;

export function readReferenceTensor(file: string): { shape: readonly number[]; data: Float32Array } {
  const { shape, data } = decodeNpy(readFileSync(resolve(xrayFixturesDir, file)));
  if (!(data instanceof Float32Array)) throw new Error(`${file}: expected a float32 reference`);
  return { shape, data };
}

export function realReference(source: string): RealReference {
  const found = xrayReferences.real.find((r) => r.source === source);
  if (found === undefined) throw new Error(`references.json has no entry for ${source}`);
  return found;
}

/** A decoded frame as dicom/ hands it out, for stored values made in a test. */
export function monochromeFrame(
  width: number,
  height: number,
  pixels: DicomPixelFrame['pixels'],
  options: { bits: number; photometric?: string; signed?: boolean; samplesPerPixel?: number },
): DicomPixelFrame {
  const bitsAllocated = options.bits > 8 ? 16 : pixels.BYTES_PER_ELEMENT * 8;
  return {
    rows: height,
    columns: width,
    samplesPerPixel: options.samplesPerPixel ?? 1,
    photometricInterpretation: options.photometric ?? 'MONOCHROME2',
    bitsAllocated,
    bitsStored: options.bits,
    highBit: options.bits - 1,
    pixelRepresentation: options.signed === true ? 1 : 0,
    transferSyntaxUID: '1.2.840.10008.1.2.1',
    numberOfFrames: 1,
    pixels,
  };
}

/** Largest absolute difference between two equally long arrays. */
export function maxAbsDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} differs from ${b.length}`);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}
