import { describe, expect, it } from 'vitest';
import { appendSequenceItems, sequenceItemBytes } from './appendSequenceItems.ts';
import { encodeDataSet, writePart10 } from './writePart10.ts';

const base = { SOPClassUID: '1.2.840.10008.5.1.4.1.1.88.33', SOPInstanceUID: '2.25.77', PatientID: 'P1' };
const item = (text: string) => ({ RelationshipType: 'CONTAINS', ValueType: 'TEXT', TextValue: text, ContentSequence: [{ ValueType: 'TEXT', TextValue: `${text}, nested` }] });
const itemsOf = (items: object[]) => {
  const bytes = sequenceItemBytes(encodeDataSet({ ContentSequence: items }), 0x0040, 0xa730);
  if (!bytes) throw new Error('not an undefined-length ContentSequence');
  return bytes;
};

describe('appendSequenceItems', () => {
  it('should give the bytes of the file written with all items at once', () => {
    const file = writePart10({ ...base, ContentSequence: [item('a')] });
    const appended = appendSequenceItems(file, [itemsOf([item('b'), item('c')]), itemsOf([item('d')])]);
    const whole = writePart10({ ...base, ContentSequence: [item('a'), item('b'), item('c'), item('d')] });
    expect(appended && Buffer.from(appended).equals(Buffer.from(whole))).toBe(true);
  });

  it('should append to an empty sequence', () => {
    const file = writePart10({ ...base, ContentSequence: [] });
    const appended = appendSequenceItems(file, [itemsOf([item('a')])]);
    expect(appended && Buffer.from(appended).equals(Buffer.from(writePart10({ ...base, ContentSequence: [item('a')] })))).toBe(true);
  });

  it('should decline bytes not encoded as expected, for the caller to write the whole file', () => {
    const other = encodeDataSet({ ReferencedSeriesSequence: [{ SeriesInstanceUID: '2.25.5' }] });
    expect(sequenceItemBytes(other, 0x0040, 0xa730)).toBeUndefined();
    expect(sequenceItemBytes(encodeDataSet({ PatientID: 'P1' }), 0x0010, 0x0020)).toBeUndefined();
    expect(appendSequenceItems(writePart10(base), [itemsOf([item('a')])])).toBeUndefined();
  });
});
