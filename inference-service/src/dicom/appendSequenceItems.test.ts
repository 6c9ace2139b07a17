import { describe, expect, it } from 'vitest';
import { appendSequenceItems } from './appendSequenceItems.ts';
import { encodeDataSet, writePart10 } from './writePart10.ts';

const base = { SOPClassUID: '1.2.840.10008.5.1.4.1.1.88.33', SOPInstanceUID: '2.25.77', PatientID: 'P1' };
const item = (text: string) => ({ RelationshipType: 'CONTAINS', ValueType: 'TEXT', TextValue: text, ContentSequence: [{ ValueType: 'TEXT', TextValue: `${text}, nested` }] });

describe('appendSequenceItems', () => {
  it('should give the bytes of the file written with all items at once', () => {
    const file = writePart10({ ...base, ContentSequence: [item('a')] });
    const more = [encodeDataSet({ ContentSequence: [item('b'), item('c')] }), encodeDataSet({ ContentSequence: [item('d')] })];
    const appended = appendSequenceItems(file, more, 0x0040, 0xa730);
    const whole = writePart10({ ...base, ContentSequence: [item('a'), item('b'), item('c'), item('d')] });
    expect(appended && Buffer.from(appended).equals(Buffer.from(whole))).toBe(true);
  });

  it('should append to an empty sequence', () => {
    const file = writePart10({ ...base, ContentSequence: [] });
    const appended = appendSequenceItems(file, [encodeDataSet({ ContentSequence: [item('a')] })], 0x0040, 0xa730);
    expect(appended && Buffer.from(appended).equals(Buffer.from(writePart10({ ...base, ContentSequence: [item('a')] })))).toBe(true);
  });

  it('should decline inputs not encoded as it expects, for the caller to write the whole file', () => {
    const file = writePart10({ ...base, ContentSequence: [item('a')] });
    const other = encodeDataSet({ ReferencedSeriesSequence: [{ SeriesInstanceUID: '2.25.5' }] });
    expect(appendSequenceItems(file, [other], 0x0040, 0xa730)).toBeUndefined();
    const noSequenceAtEnd = writePart10(base);
    expect(appendSequenceItems(noSequenceAtEnd, [encodeDataSet({ ContentSequence: [item('a')] })], 0x0040, 0xa730)).toBeUndefined();
  });
});
