import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DicomReadError, readDicomImage } from '../../inference-service/src/dicom/index.ts';
import type { DicomImage } from '../../inference-service/src/dicom/index.ts';
import { prepareFrameInput } from '../../inference-service/src/xray/prepareModelInput.ts';
import { pydicomTestFilesDir } from '../support/paths.ts';
import { maxAbsDifference, readReferenceTensor, realReference } from '../xray/support/references.ts';
import { readBytes, runTool, transferSyntaxOf } from './support/dicomTools.ts';
import { depths, makeDepthImages, ojphCompress, ojphExpand, opjCompress, opjDecompress } from './support/depthImages.ts';
import type { Depth, DepthImage } from './support/depthImages.ts';
import { encapsulatedPart10, splitFragments } from './support/encapsulate.ts';

const ts = {
  jpegExtended: '1.2.840.10008.1.2.4.51',
  j2kLossless: '1.2.840.10008.1.2.4.90',
  htj2kLossless: '1.2.840.10008.1.2.4.201',
  htj2kRpcl: '1.2.840.10008.1.2.4.202',
  htj2k: '1.2.840.10008.1.2.4.203',
} as const;

/**
 * On TorchXRayVision's ±1024 scale, how far each depth's image is from the 8-bit one the committed
 * scikit-image reference was made from: 0 at 8 and 16 bits (v16 = 257·v8 scales identically), half a
 * stored step at 12 and 14 bits (0.25 and 0.0625), within the contract of 0.5. Plus float32 rounding.
 */
const tensorTolerance: Record<Depth, number> = { 8: 0.001, 12: 0.25 + 0.001, 14: 0.0625 + 0.001, 16: 0.001 };

async function read(bytes: Uint8Array): Promise<DicomImage> {
  return readDicomImage(bytes);
}

async function refusal(bytes: Uint8Array): Promise<DicomReadError> {
  const error = await readDicomImage(bytes).catch((e: unknown) => e);
  if (!(error instanceof DicomReadError)) throw new Error(`expected a DicomReadError, got ${String(error)}`);
  return error;
}

/** The fragment values of an encapsulated file as dcmtk sees them (dcmdump +W writes one file per item). */
function fragmentsOf(dir: string, file: string): Uint8Array[] {
  const out = join(dir, `items-${file.replace(/\W+/g, '-')}`);
  mkdirSync(out, { recursive: true });
  runTool('dcmdump', ['+W', out, file]);
  const names = readdirSync(out).sort((a, b) => Number(/\.(\d+)\.raw$/.exec(a)?.[1]) - Number(/\.(\d+)\.raw$/.exec(b)?.[1]));
  // Item 0 is the Basic Offset Table.
  return names.slice(1).map((name) => readBytes(join(out, name)));
}

/** Stored values of a native file, taken out by dcmtk. */
function nativeWords(dir: string, file: string, bits: number): Uint8Array | Uint16Array {
  const [raw] = fragmentsOfNative(dir, file);
  return bits <= 8 ? raw! : new Uint16Array(raw!.buffer, raw!.byteOffset, raw!.byteLength >> 1);
}

function fragmentsOfNative(dir: string, file: string): Uint8Array[] {
  const out = join(dir, `native-${file.replace(/\W+/g, '-')}`);
  mkdirSync(out, { recursive: true });
  runTool('dcmdump', ['+W', out, file]);
  return readdirSync(out).map((name) => readBytes(join(out, name)));
}

describe('readDicomImage on 12-bit JPEG, HTJ2K and fragmented frames', () => {
  let dir: string;
  let images: Record<Depth, DepthImage>;
  const siimReference = () => readReferenceTensor(realReference('siim-pa-jpeg-baseline.dcm').file!).data;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'cxr-codecs-'));
    images = makeDepthImages(dir);
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  describe('12-bit JPEG Extended (process 4), by dcmjs-codecs', () => {
    let jpeg12: string;
    let decodedByDcmtk: Uint16Array;
    beforeAll(() => {
      jpeg12 = join(dir, 'jpeg12.dcm');
      // +sr: without it dcmcjpeg rescales min..max and every pixel shifts.
      runTool('dcmcjpeg', ['+ee', '+sr', images[12].file, jpeg12]);
      runTool('dcmdjpeg', [jpeg12, join(dir, 'jpeg12-dcmdjpeg.dcm')]);
      decodedByDcmtk = nativeWords(dir, join(dir, 'jpeg12-dcmdjpeg.dcm'), 12) as Uint16Array;
    });

    it("should decode the real image's 12-bit JPEG exactly as dcmtk's dcmdjpeg does", async () => {
      expect(transferSyntaxOf(jpeg12)).toBe(ts.jpegExtended);
      const image = await read(readBytes(jpeg12));
      expect(image.frame).toMatchObject({ rows: 1024, columns: 1024, bitsStored: 12, transferSyntaxUID: ts.jpegExtended });
      expect(image.frame.pixels).toBeInstanceOf(Uint16Array);
      expect(maxAbsDifference(image.frame.pixels, decodedByDcmtk)).toBe(0);
      // Lossy, but the image itself: close to what was compressed, not rescaled or shifted.
      expect(maxAbsDifference(image.frame.pixels, images[12].words)).toBeLessThanOrEqual(64);
    });

    it('should decode a frame split over several fragments the same way', async () => {
      const [codestream] = fragmentsOf(dir, jpeg12);
      const file = encapsulatedPart10(images[12].dataset, { transferSyntaxUID: ts.jpegExtended, frames: [splitFragments(codestream!, 3)] });
      expect(maxAbsDifference((await read(file)).frame.pixels, decodedByDcmtk)).toBe(0);
    });

    it.each(['JPGExtended.dcm', 'JPEG-lossy.dcm'])("should decode pydicom's 12-bit %s exactly as dcmdjpeg does", async (name) => {
      const source = join(pydicomTestFilesDir, name);
      runTool('dcmdjpeg', [source, join(dir, `${name}-dcmdjpeg.dcm`)]);
      const image = await read(readBytes(source));
      expect(image.frame).toMatchObject({ bitsStored: 12, transferSyntaxUID: ts.jpegExtended });
      const reference = await read(readBytes(join(dir, `${name}-dcmdjpeg.dcm`)));
      expect(maxAbsDifference(image.frame.pixels, reference.frame.pixels)).toBe(0);
    });

    it('should refuse a 12-bit stream cut short inside a complete file (the codec would fill it with grey)', async () => {
      const [codestream] = fragmentsOf(dir, jpeg12);
      const cut = codestream!.subarray(0, Math.floor(codestream!.length / 2) & ~1);
      const error = await refusal(encapsulatedPart10(images[12].dataset, { transferSyntaxUID: ts.jpegExtended, frames: [[cut]] }));
      expect(error.code).toBe('corrupt-pixel-data');
      expect(error.message).toMatch(/no EOI marker/);
    });
  });

  describe('HTJ2K, by OpenJPH (WASM), against OpenJPH’s ojph_expand', () => {
    it.each(depths)('should decode the %i-bit image lossless (.201) exactly, and preprocess it as TorchXRayVision does', async (bits) => {
      const image = images[bits];
      const codestream = ojphCompress(dir, `ht${bits}`, image, { reversible: true });
      const expanded = ojphExpand(dir, `ht${bits}`, codestream, bits);
      const decoded = await read(encapsulatedPart10(image.dataset, { transferSyntaxUID: ts.htj2kLossless, frames: [[codestream]] }));
      expect(decoded.frame).toMatchObject({ bitsStored: bits, transferSyntaxUID: ts.htj2kLossless });
      expect(maxAbsDifference(decoded.frame.pixels, expanded)).toBe(0);
      expect(maxAbsDifference(decoded.frame.pixels, image.words)).toBe(0);
      expect(maxAbsDifference(prepareFrameInput(decoded.frame).tensor, siimReference())).toBeLessThanOrEqual(tensorTolerance[bits]);
    });

    it('should decode an RPCL codestream under .202 exactly', async () => {
      const image = images[16];
      const codestream = ojphCompress(dir, 'ht16-rpcl', image, { reversible: true, progression: 'RPCL' });
      const decoded = await read(encapsulatedPart10(image.dataset, { transferSyntaxUID: ts.htj2kRpcl, frames: [[codestream]] }));
      expect(maxAbsDifference(decoded.frame.pixels, ojphExpand(dir, 'ht16-rpcl', codestream, 16))).toBe(0);
    });

    it.each([12, 16] as const)('should decode a lossy (.203) %i-bit codestream within 1 of ojph_expand', async (bits) => {
      const image = images[bits];
      const codestream = ojphCompress(dir, `ht${bits}-lossy`, image, { reversible: false, qstep: 0.001 });
      const expanded = ojphExpand(dir, `ht${bits}-lossy`, codestream, bits);
      const decoded = await read(encapsulatedPart10(image.dataset, { transferSyntaxUID: ts.htj2k, frames: [[codestream]] }));
      expect(maxAbsDifference(decoded.frame.pixels, expanded)).toBeLessThanOrEqual(1);
      expect(maxAbsDifference(decoded.frame.pixels, image.words)).toBeLessThan(2 ** (bits - 4));
    });

    it('should refuse a codestream cut short inside a complete file', async () => {
      const codestream = ojphCompress(dir, 'ht12-cut', images[12], { reversible: true });
      const cut = codestream.subarray(0, Math.floor(codestream.length / 2) & ~1);
      const error = await refusal(encapsulatedPart10(images[12].dataset, { transferSyntaxUID: ts.htj2kLossless, frames: [[cut]] }));
      expect(error).toMatchObject({ code: 'corrupt-pixel-data', message: expect.stringMatching(/no EOC marker/) });
    });
  });

  describe('JPEG 2000 from OpenJPEG’s opj_compress, against opj_decompress', () => {
    it.each(depths)('should decode the %i-bit image exactly, and preprocess it as TorchXRayVision does', async (bits) => {
      const image = images[bits];
      const codestream = opjCompress(dir, `j2k${bits}`, image);
      const decoded = await read(encapsulatedPart10(image.dataset, { transferSyntaxUID: ts.j2kLossless, frames: [[codestream]] }));
      expect(maxAbsDifference(decoded.frame.pixels, opjDecompress(dir, `j2k${bits}`, codestream, bits))).toBe(0);
      expect(maxAbsDifference(decoded.frame.pixels, image.words)).toBe(0);
      expect(maxAbsDifference(prepareFrameInput(decoded.frame).tensor, siimReference())).toBeLessThanOrEqual(tensorTolerance[bits]);
    });
  });

  describe('frames in several fragments, and the offset tables', () => {
    /** Two frames: the 16-bit image, then its negative, so reading frame 2 instead would show. */
    let frame1: Uint8Array;
    let frame2: Uint8Array;
    beforeAll(() => {
      frame1 = ojphCompress(dir, 'frames-1', images[16], { reversible: true });
      frame2 = ojphCompress(dir, 'frames-2', { ...images[16], words: images[16].words.map((v) => 65535 - v) }, { reversible: true });
    });
    const twoFrames = () => [splitFragments(frame1, 3), splitFragments(frame2, 2)];

    it('should join a single frame from all its fragments', async () => {
      const decoded = await read(encapsulatedPart10(images[16].dataset, { transferSyntaxUID: ts.htj2kLossless, frames: [splitFragments(frame1, 5)] }));
      expect(maxAbsDifference(decoded.frame.pixels, images[16].words)).toBe(0);
    });

    it.each([
      ['an empty Basic Offset Table (frame 1 ends at its EOC)', { basicOffsetTable: false }],
      ['a filled Basic Offset Table', { basicOffsetTable: true }],
      ['the Extended Offset Table', { extendedOffsetTable: true }],
    ] as const)('should read frame 1 of two fragmented frames with %s', async (_name, tables) => {
      const decoded = await read(encapsulatedPart10(images[16].dataset, { transferSyntaxUID: ts.htj2kLossless, frames: twoFrames(), ...tables }));
      expect(decoded.frame.numberOfFrames).toBe(2);
      expect(maxAbsDifference(decoded.frame.pixels, images[16].words)).toBe(0);
    });

    it('should refuse an Extended Offset Table that does not point at fragments', async () => {
      const error = await refusal(
        encapsulatedPart10(images[16].dataset, { transferSyntaxUID: ts.htj2kLossless, frames: twoFrames(), extendedOffsetTable: true, extendedOffsets: [0, 1234] }),
      );
      expect(error).toMatchObject({ code: 'corrupt-pixel-data', message: expect.stringMatching(/Extended Offset Table .*not where a fragment starts/) });
    });

    it('should refuse an Extended Offset Table with one offset per frame missing', async () => {
      const error = await refusal(
        encapsulatedPart10(images[16].dataset, { transferSyntaxUID: ts.htj2kLossless, frames: twoFrames(), extendedOffsetTable: true, extendedOffsets: [0] }),
      );
      expect(error).toMatchObject({ code: 'corrupt-pixel-data', message: expect.stringMatching(/1 offsets for 2 frames/) });
    });
  });
});
