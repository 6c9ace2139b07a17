/**
 * Data sets stored without the Part-10 preamble and File Meta Information (PS3.10 §7.1), as old archives
 * and some modalities' exports hold them. They are read when their first element parses as a DICOM
 * element of group 0008 (every image's first attributes are there): explicit VR little endian when a
 * VR follows the tag, implicit VR little endian otherwise (the default transfer syntax, PS3.5 §10.1).
 */

const explicitLittle = '1.2.840.10008.1.2.1';
const implicitLittle = '1.2.840.10008.1.2';
const vrs = new Set('AE AS AT CS DA DS DT FD FL IS LO LT OB OD OF OL OV OW PN SH SL SQ SS ST SV TM UC UI UL UN UR US UT UV'.split(' '));

/**
 * The transfer syntax the first element says, or undefined when it does not parse as one. `totalLength`:
 * the whole data set's size when `bytes` is only its start.
 */
export function rawDatasetSyntax(bytes: Uint8Array, totalLength = bytes.length): string | undefined {
  if (bytes.length < 8) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint16(0, true) !== 0x0008) return undefined;
  const vr = String.fromCharCode(bytes[4] as number, bytes[5] as number);
  if (vrs.has(vr)) return explicitLittle;
  const length = view.getUint32(4, true);
  return length !== 0xffffffff && 8 + length <= totalLength ? implicitLittle : undefined;
}

function element(group: number, elementNumber: number, vr: string, value: Buffer): Buffer {
  const long = vr === 'OB';
  const header = Buffer.alloc(long ? 12 : 8);
  header.writeUInt16LE(group, 0);
  header.writeUInt16LE(elementNumber, 2);
  header.write(vr, 4, 'latin1');
  if (long) header.writeUInt32LE(value.length, 8);
  else header.writeUInt16LE(value.length, 6);
  return Buffer.concat([header, value]);
}

/** The data set with a preamble and a File Meta Information naming its transfer syntax; undefined if it is not one. */
export function wrapRawDataset(bytes: Uint8Array): Uint8Array | undefined {
  const syntax = rawDatasetSyntax(bytes);
  if (!syntax) return undefined;
  const uid = Buffer.from(syntax.length % 2 ? `${syntax}\0` : syntax, 'latin1');
  const body = Buffer.concat([element(0x0002, 0x0001, 'OB', Buffer.from([0, 1])), element(0x0002, 0x0010, 'UI', uid)]);
  const length = Buffer.alloc(4);
  length.writeUInt32LE(body.length);
  return new Uint8Array(Buffer.concat([Buffer.alloc(128), Buffer.from('DICM', 'latin1'), element(0x0002, 0x0000, 'UL', length), body, bytes]));
}
