import { afterAll, describe, expect, it } from 'vitest';
import { readDicomDataset } from '../../inference-service/src/dicom/index.ts';
import type { DicomDataset } from '../../inference-service/src/dicom/index.ts';
import { implementationIdentity, writePart10 } from '../../inference-service/src/dicom/writePart10.ts';
import { removeTempFiles, runTool, syntheticImage, writeTemp } from './support.ts';

afterAll(removeTempFiles);

describe('writePart10', () => {
  describe('for a small data set', () => {
    const dataset: DicomDataset = { ...syntheticImage(), '00091010': 'private, dropped' };
    const bytes = writePart10(dataset);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);

    it('should start with a zero preamble and "DICM" (PS3.10 7.1)', () => {
      expect(bytes.subarray(0, 128).every((b) => b === 0)).toBe(true);
      expect(new TextDecoder().decode(bytes.subarray(128, 132))).toBe('DICM');
    });

    it('should give (0002,0000) the length of the rest of group 0002', () => {
      // Explicit VR LE: tag (4) + "UL" (2) + length (2) + value (4), at offset 132.
      expect([view.getUint16(132, true), view.getUint16(134, true)]).toEqual([0x0002, 0x0000]);
      const end = 144 + view.getUint32(140, true);
      // Walk the meta elements: every one is group 0002 and the last ends exactly at `end`.
      let offset = 144;
      while (offset < end) {
        expect(view.getUint16(offset, true)).toBe(0x0002);
        const vr = String.fromCharCode(bytes[offset + 4] ?? 0, bytes[offset + 5] ?? 0);
        offset += ['OB', 'OW', 'OF', 'SQ', 'UT', 'UN'].includes(vr) ? 12 + view.getUint32(offset + 8, true) : 8 + view.getUint16(offset + 6, true);
      }
      expect(offset).toBe(end);
      expect(view.getUint16(end, true)).toBe(0x0008);
    });

    it('should fill the meta header from the data set and name this implementation', () => {
      const { meta } = readDicomDataset(bytes);
      expect(meta).toMatchObject({
        MediaStorageSOPClassUID: dataset['SOPClassUID'],
        MediaStorageSOPInstanceUID: dataset['SOPInstanceUID'],
        TransferSyntaxUID: '1.2.840.10008.1.2.1',
        ImplementationClassUID: implementationIdentity.ImplementationClassUID,
        ImplementationVersionName: implementationIdentity.ImplementationVersionName,
      });
    });

    it('should be read by dcmdump with the meta group and data set as written', () => {
      const { status, output } = runTool('dcmdump', ['-q', writeTemp('small.dcm', bytes)]);
      expect(status).toBe(0);
      expect(output).toMatch(/\(0002,0001\) OB 00\\01/);
      expect(output).toContain('(0002,0010) UI =LittleEndianExplicit');
      expect(output).toContain('(0010,0020) LO [SYN-0001]');
      expect(output).not.toContain('(0009,1010)');
    });
  });

  describe('for native pixel data without a VR for it', () => {
    const image = (BitsAllocated: number, PixelData: ArrayBuffer): DicomDataset => ({
      ...syntheticImage(),
      Rows: 2,
      Columns: 2,
      SamplesPerPixel: 1,
      PhotometricInterpretation: 'MONOCHROME2',
      BitsAllocated,
      BitsStored: BitsAllocated,
      HighBit: BitsAllocated - 1,
      PixelRepresentation: 0,
      PixelData,
    });

    it('should write OB for 8-bit and OW for 16-bit pixels (PS3.5 8.2), values intact', () => {
      const dump8 = runTool('dcmdump', ['-q', writeTemp('p8.dcm', writePart10(image(8, new Uint8Array([1, 2, 3, 250]).buffer)))]);
      const dump16 = runTool('dcmdump', ['-q', writeTemp('p16.dcm', writePart10(image(16, new Uint16Array([1, 2, 3, 4000]).buffer)))]);
      expect(dump8.output).toMatch(/\(7fe0,0010\) OB 01\\02\\03\\fa/);
      expect(dump16.output).toMatch(/\(7fe0,0010\) OW 0001\\0002\\0003\\0fa0/);
    });
  });

  describe('without the UIDs the meta header needs', () => {
    it('should name the missing SOPClassUID', () => {
      const { SOPClassUID: _omitted, ...rest } = syntheticImage();
      expect(() => writePart10(rest)).toThrow(/no SOPClassUID \(0008,0016\)/);
    });

    it('should name the missing SOPInstanceUID', () => {
      const { SOPInstanceUID: _omitted, ...rest } = syntheticImage();
      expect(() => writePart10(rest)).toThrow(/no SOPInstanceUID \(0008,0018\)/);
    });
  });
});
