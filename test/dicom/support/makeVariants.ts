import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readDicomDataset } from '../../../inference-service/src/dicom/index.ts';
import { writePart10 } from '../../../inference-service/src/dicom/writePart10.ts';
import { realJpegBaselineDcm } from '../../support/paths.ts';
import { readBytes, runTool } from './dicomTools.ts';

/** The native file a variant is made from, and so what its pixels must equal. */
export type Reference = 'native8' | 'stored12' | 'signed12';

export interface VariantSpec {
  readonly name: string;
  readonly transferSyntaxUID: string;
  readonly reference: Reference;
  /** Max abs difference allowed against the reference: 0 for lossless syntaxes. */
  readonly tolerance: number;
  /** The tool and its options; the input and output files are appended. */
  readonly tool: 'dcmconv' | 'dcmcrle' | 'dcmcjpls' | 'dcmcjpeg' | 'gdcmconv';
  readonly options: readonly string[];
}

const ts = {
  explicitLE: '1.2.840.10008.1.2.1',
  implicitLE: '1.2.840.10008.1.2',
  bigEndian: '1.2.840.10008.1.2.2',
  deflated: '1.2.840.10008.1.2.1.99',
  jpegBaseline: '1.2.840.10008.1.2.4.50',
  jpegExtended: '1.2.840.10008.1.2.4.51',
  jpegLossless: '1.2.840.10008.1.2.4.57',
  jpegLosslessSV1: '1.2.840.10008.1.2.4.70',
  jpegLsLossless: '1.2.840.10008.1.2.4.80',
  jpegLsNearLossless: '1.2.840.10008.1.2.4.81',
  j2kLossless: '1.2.840.10008.1.2.4.90',
  j2kLossy: '1.2.840.10008.1.2.4.91',
  rle: '1.2.840.10008.1.2.5',
} as const;

function lossless(reference: Reference): VariantSpec[] {
  const v = (suffix: string, transferSyntaxUID: string, tool: VariantSpec['tool'], options: string[]): VariantSpec => ({
    name: `${reference} → ${suffix}`,
    transferSyntaxUID,
    reference,
    tolerance: 0,
    tool,
    options,
  });
  return [
    v('explicit VR little endian', ts.explicitLE, 'dcmconv', ['+te']),
    v('implicit VR little endian', ts.implicitLE, 'dcmconv', ['+ti']),
    v('explicit VR big endian', ts.bigEndian, 'dcmconv', ['+tb']),
    v('deflated explicit VR little endian', ts.deflated, 'dcmconv', ['+td']),
    v('RLE lossless', ts.rle, 'dcmcrle', []),
    v('JPEG-LS lossless', ts.jpegLsLossless, 'dcmcjpls', ['+el']),
    v('JPEG 2000 lossless', ts.j2kLossless, 'gdcmconv', ['--j2k']),
  ];
}

/**
 * Every transfer syntax the reader claims, made by dcmtk and gdcm from three native references.
 * dcmcjpeg's lossless codec takes unsigned input only, so lossless JPEG is made from the unsigned
 * references. Lossy tolerances are the max abs difference measured here, plus one: JPEG at quality 95
 * measured 5; JPEG-LS near-lossless with NEAR = 2 is bounded by 2 (ISO 14495-1); JPEG 2000 at 40 dB
 * PSNR (gdcmconv -q 40) measured 46 on a few edge pixels.
 */
export const variantSpecs: readonly VariantSpec[] = [
  ...lossless('native8'),
  ...lossless('stored12'),
  ...lossless('signed12'),
  ...(['native8', 'stored12'] as const).flatMap((reference): VariantSpec[] => [
    { name: `${reference} → JPEG lossless SV1`, transferSyntaxUID: ts.jpegLosslessSV1, reference, tolerance: 0, tool: 'dcmcjpeg', options: ['+e1'] },
    { name: `${reference} → JPEG lossless predictor 6`, transferSyntaxUID: ts.jpegLossless, reference, tolerance: 0, tool: 'dcmcjpeg', options: ['+el', '+sv', '6'] },
    { name: `${reference} → JPEG-LS near-lossless (NEAR 2)`, transferSyntaxUID: ts.jpegLsNearLossless, reference, tolerance: 2, tool: 'dcmcjpls', options: ['+en', '+md', '2'] },
  ]),
  { name: 'native8 → JPEG baseline q95', transferSyntaxUID: ts.jpegBaseline, reference: 'native8', tolerance: 6, tool: 'dcmcjpeg', options: ['+eb', '+q', '95'] },
  { name: 'native8 → JPEG extended (8-bit) q95', transferSyntaxUID: ts.jpegExtended, reference: 'native8', tolerance: 6, tool: 'dcmcjpeg', options: ['+ee', '+q', '95'] },
  { name: 'native8 → JPEG 2000 lossy 40 dB', transferSyntaxUID: ts.j2kLossy, reference: 'native8', tolerance: 47, tool: 'gdcmconv', options: ['--j2k', '--lossy', '-q', '40'] },
];

export interface VariantSet {
  readonly dir: string;
  fileOf(spec: VariantSpec): string;
  /** Expected stored values per reference, computed without the reader under test. */
  readonly expected: Readonly<Record<Reference, Int32Array>>;
  /** 12 bits stored in 16 with pseudo-random garbage in bits 12–15, which PS3.5 8.1.1 says to ignore. */
  readonly garbageHighBits: string;
  /** 12 bits stored at bits 4–15 (HighBit 15) over garbage in bits 0–3: they must be shifted down. */
  readonly highBitAtTop: string;
  cleanup(): void;
}

/** A 16-bit native file from the 8-bit one: same header, new Image Pixel attributes and pixels. */
function write16(source: Uint8Array, file: string, words: Uint16Array, bits: { BitsStored: number; HighBit: number; PixelRepresentation: 0 | 1 }): void {
  const { dataset } = readDicomDataset(source);
  const vrMap = { ...((dataset._vrMap as Record<string, string> | undefined) ?? {}), PixelData: 'OW' };
  writeFileSync(file, writePart10({ ...dataset, _vrMap: vrMap, BitsAllocated: 16, ...bits, PixelData: words.buffer }));
}

/**
 * Makes every variant of the real SIIM JPEG image in a temp dir. The 8-bit reference is dcmdjpeg's
 * decompression, its pixel bytes taken out by dcmdump +W; the 12-bit ones are derived from it
 * arithmetically (v12 = 16·v8 + v8 mod 16, so all 12 bits vary; signed: v12 − 2048, stored as 12-bit
 * two's complement with bits 12–15 clear, so reading it proves sign extension).
 */
export function makeVariants(): VariantSet {
  const dir = mkdtempSync(join(tmpdir(), 'cxr-dicom-variants-'));
  const at = (name: string) => join(dir, name);
  runTool('dcmdjpeg', [realJpegBaselineDcm, at('native8.dcm')]);
  mkdirSync(at('raw'));
  runTool('dcmdump', ['+W', at('raw'), at('native8.dcm')]);
  const v8 = Int32Array.from(readBytes(at('raw/native8.dcm.0.raw')));
  const v12 = v8.map((v) => v * 16 + (v % 16));
  const s12 = v12.map((v) => v - 2048);

  const source8 = readBytes(at('native8.dcm'));
  write16(source8, at('stored12.dcm'), Uint16Array.from(v12), { BitsStored: 12, HighBit: 11, PixelRepresentation: 0 });
  write16(source8, at('signed12.dcm'), Uint16Array.from(s12, (v) => v & 0x0fff), { BitsStored: 12, HighBit: 11, PixelRepresentation: 1 });
  const garbage = Uint16Array.from(v12, (v, i) => v | ((Math.imul(i, 2654435761) >>> 28) << 12));
  write16(source8, at('garbage12.dcm'), garbage, { BitsStored: 12, HighBit: 11, PixelRepresentation: 0 });
  const atTop = Uint16Array.from(v12, (v, i) => (v << 4) | (Math.imul(i, 40503) >>> 28));
  write16(source8, at('top12.dcm'), atTop, { BitsStored: 12, HighBit: 15, PixelRepresentation: 0 });

  const fileOf = (spec: VariantSpec) => at(`${spec.name.replace(/[^A-Za-z0-9]+/g, '-')}.dcm`);
  for (const spec of variantSpecs) runTool(spec.tool, [...spec.options, at(`${spec.reference}.dcm`), fileOf(spec)]);

  return {
    dir,
    fileOf,
    expected: { native8: v8, stored12: Int32Array.from(v12), signed12: Int32Array.from(s12) },
    garbageHighBits: at('garbage12.dcm'),
    highBitAtTop: at('top12.dcm'),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
