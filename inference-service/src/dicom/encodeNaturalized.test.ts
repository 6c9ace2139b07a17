import { describe, expect, it } from 'vitest';
import { fastEncoding as fast } from '../../../test/support/fastEncoding.ts';
import type { DicomDataset } from './types.ts';
import { encodeDataSet, encodeDataSetWithDcmjs, writePart10, writePart10WithDcmjs } from './writePart10.ts';

const same = (a: Uint8Array | undefined, b: Uint8Array): boolean => a !== undefined && Buffer.from(a).equals(Buffer.from(b));

// Values at the edges of what the fast path takes, and just past them (those go to dcmjs, bytes unchanged).
const header: DicomDataset = {
  SOPClassUID: '1.2.840.10008.5.1.4.1.1.88.33',
  SOPInstanceUID: '2.25.1234567890123456789012345678901234567',
  StudyInstanceUID: '1.2.3',
  SeriesInstanceUID: '2.25.99999999999999999999999999999999999999999999999999999999999',
  SpecificCharacterSet: 'ISO_IR 192',
  ImageType: ['DERIVED', 'PRIMARY', '', 'NONE'],
  Modality: 'SR',
  StudyDate: '20261202',
  StudyTime: '013000.123',
  ContentDate: '',
  AcquisitionDateTime: '20261202013000.123456+0100',
  Manufacturer: 'CXR Findings',
  InstitutionName: 'Odd',
  StationName: null,
  SeriesDescription: 'Ends with a space ',
  StudyDescription: ' starts with one',
  ProtocolName: 'Back\\slash',
  PatientComments: 'Zürich, non-ASCII',
  PatientName: 'Doe^Jane',
  ReferringPhysicianName: { Alphabetic: 'Roe^Richard' },
  PatientAge: '045Y',
  BodyPartExamined: 'CHEST_BUT_MUCH_TOO_LONG_FOR_CS',
  InstanceNumber: 7,
  SeriesNumber: '12',
  PixelSpacing: [0.139, 0.139],
  ImagerPixelSpacing: [0.12345678901234568, 1e-7],
  WindowWidth: ['400', '-1.5e3'],
  SliceThickness: 1,
  Rows: 224,
  Columns: 225,
  BitsAllocated: 16,
  SmallestImagePixelValue: 0,
  WindowCenter: '40',
  NumberOfFrames: '3',
  RealWorldValueFirstValueMapped: 0,
  RescaleSlope: 1.5,
  DoubleFloatRealWorldValueFirstValueMapped: 0.1,
  FloatPixelPaddingValue: -0.5,
  ReferencedFrameNumber: [1, 2, 3],
  FrameIncrementPointer: 0x00181063,
  TextValue: 'x'.repeat(70_001),
  ContributionDescription: 'model: demo\r\nthreshold: 0.5',
  ImageComments: 'Line\r\nbreak in LT',
  DerivationDescription: 'Line\r\nbreak in ST\r\n',
  ContentSequence: [],
  ReferencedSeriesSequence: null,
  OtherPatientIDsSequence: [
    { PatientID: 'A1', IssuerOfPatientID: 'ODD' },
    { PatientID: '', TypeOfPatientID: 'TEXT', IssuerOfPatientIDQualifiersSequence: [{ UniversalEntityID: 'urn:oid:1.2' }] },
  ],
  PixelData: new Uint16Array([1, 2, 3]).buffer,
};

describe('encodeNaturalized', () => {
  it('writes every value form as dcmjs does, at and past the edges of the fast path', () => {
    expect(same(encodeDataSet(header), encodeDataSetWithDcmjs(header))).toBe(true);
    expect(same(writePart10(header), writePart10WithDcmjs(header))).toBe(true);
  });

  it('hands dcmjs only the elements outside its plain forms, one by one', () => {
    const { bytes, toDcmjs } = fast(header);
    expect(bytes).toBeDefined();
    expect(toDcmjs.sort()).toEqual(
      [
        'BodyPartExamined', // longer than CS allows: dcmjs truncates
        'DerivationDescription', // a line break at the end
        'FrameIncrementPointer', // AT
        'ImagerPixelSpacing', // String(n) longer than DS allows: dcmjs truncates
        'PatientComments', // non-ASCII
        'PatientName', // PN
        'PixelData', // OW
        'ProtocolName', // a backslash inside a value
        'RealWorldValueFirstValueMapped', // 'US or SS': the VR depends on the data
        'SmallestImagePixelValue',
        'ReferringPhysicianName',
        'SeriesDescription', // a space at an end
        'StudyDescription',
      ].sort(),
    );
  });

  it("keeps dcmjs's bytes of an element for the next object, told apart by value, binary values by their bytes", () => {
    const withPixels = (bytes: number[]): DicomDataset => ({ ...header, PixelData: new Uint8Array(bytes).buffer });
    // The second of each pair meets the kept bytes of the first (same keyword and VR, other value).
    for (const [a, b] of [
      [withPixels([1, 2, 3, 4]), withPixels([5, 6, 7, 8])],
      [{ ...header, PatientName: 'Doe^Jane' }, { ...header, PatientName: 'Doe^John' }],
      [{ ...header, PatientName: 'Doe^Jane' }, { ...header, PatientName: 'Doe^Jane' }],
    ] as const) {
      expect(same(writePart10(a), writePart10WithDcmjs(a))).toBe(true);
      expect(same(writePart10(b), writePart10WithDcmjs(b))).toBe(true);
    }
  });

  it.each([
    ['a keyword dcmjs does not know (it would skip it)', { ...header, NotADicomKeyword: 'x' }],
    ['an item that is not a data set', { ...header, ContentSequence: ['text'] }],
    ['an unknown keyword inside an item', { ...header, ContentSequence: [{ ValueType: 'TEXT', Unknown: 1 }] }],
  ])('leaves the whole data set to dcmjs for %s', (_name, dataset) => {
    expect(fast(dataset as DicomDataset).bytes).toBeUndefined();
    expect(same(encodeDataSet(dataset as DicomDataset), encodeDataSetWithDcmjs(dataset as DicomDataset))).toBe(true);
  });
});
