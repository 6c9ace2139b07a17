import { describe, expect, it } from 'vitest';
import { encodeElement } from './encodeElement.ts';
import { encodeDataSet } from './writePart10.ts';

describe('encodeElement', () => {
  const cases: Array<[string, unknown]> = [
    ['TextValue', 'Pneumonia: 9.06 %, below the operating point (50 %).'],
    ['TextValue', 'ab'],
    ['TextValue', 'a'],
    ['TextValue', ' leading space, odd length'],
    ['TextValue', 'x'.repeat(70_001)],
    ['TextValue', ''],
    ['TextValue', 'trailing space '],
    ['TextValue', 'Ünïcode'],
    ['UID', '1.2.840.10008.5.1.4.1.1.88.34'],
    ['UID', '2.25.329467340236331590531314594380320744635'],
    ['UID', '1.2'],
    ['ReferencedSOPInstanceUID', '1.2.276.0.7230010.3.1.4.8323329.6904.1517875201.850819'],
    ['ReferencedSOPInstanceUID', '2.25.46901993046318431229164440834410663076'],
    ['GraphicData', [0.5, 0.5, 1023.5, 0.5, 1023.5, 1023.5, 0.5, 1023.5, 0.5, 0.5]],
    ['GraphicData', [0.1, 1 / 3, 123456.789, -2.5]],
    ['GraphicData', [1e-30, 3.4e38]],
    ['NumericValue', '9.06'],
    ['ConceptNameCodeSequence', [{ CodeValue: '121071', CodingSchemeDesignator: 'DCM', CodeMeaning: 'Finding' }]],
  ];

  for (const [keyword, value] of cases) {
    const label = typeof value === 'string' && value.length > 40 ? `${value.slice(0, 20)}… (${value.length})` : JSON.stringify(value);
    it(`should write ${keyword} ${label} byte for byte as dcmjs does`, () => {
      expect(Buffer.from(encodeElement(keyword, value)).equals(Buffer.from(encodeDataSet({ [keyword]: value })))).toBe(true);
    });
  }
});
