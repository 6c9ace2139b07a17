/**
 * Crafted hostile Part-10 files, written byte by byte (PS3.5 §7, PS3.10 §7.1) so each attacks exactly
 * one thing: nesting depth, element count, declared image size, inflate ratio, fragment count. Each is
 * otherwise a plausible CR image (SOP class, UIDs, Modality, chest body part), so only its limit
 * can refuse it.
 */
import { createDeflateRaw } from 'node:zlib';

const explicitLittle = '1.2.840.10008.1.2.1';
const deflated = '1.2.840.10008.1.2.1.99';
const jpegBaseline = '1.2.840.10008.1.2.4.50';
const crImageStorage = '1.2.840.10008.5.1.4.1.1.1';
const longVrs = new Set(['OB', 'OW', 'SQ', 'UN', 'UT', 'UC', 'UR']);

/** One explicit VR little endian element; strings padded to even length (PS3.5 §6.2). */
function element(group: number, elementNumber: number, vr: string, value: Uint8Array | string): Buffer {
  let bytes = typeof value === 'string' ? Buffer.from(value, 'latin1') : Buffer.from(value);
  if (bytes.length % 2 === 1) bytes = Buffer.concat([bytes, Buffer.from(vr === 'UI' ? [0] : [0x20])]);
  const long = longVrs.has(vr);
  const header = Buffer.alloc(long ? 12 : 8);
  header.writeUInt16LE(group, 0);
  header.writeUInt16LE(elementNumber, 2);
  header.write(vr, 4, 'latin1');
  if (long) header.writeUInt32LE(bytes.length, 8);
  else header.writeUInt16LE(bytes.length, 6);
  return Buffer.concat([header, bytes]);
}

function us(value: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(value);
  return b;
}

function header(group: number, elementNumber: number, vr: string | undefined, length: number): Buffer {
  const long = vr === undefined || longVrs.has(vr);
  const b = Buffer.alloc(vr === undefined ? 8 : long ? 12 : 8);
  b.writeUInt16LE(group, 0);
  b.writeUInt16LE(elementNumber, 2);
  if (vr === undefined) b.writeUInt32LE(length >>> 0, 4);
  else {
    b.write(vr, 4, 'latin1');
    if (long) b.writeUInt32LE(length >>> 0, 8);
    else b.writeUInt16LE(length, 6);
  }
  return b;
}

const undefinedLength = 0xffffffff;
const item = () => header(0xfffe, 0xe000, undefined, undefinedLength);
const itemDelimiter = () => header(0xfffe, 0xe00d, undefined, 0);
const sequenceDelimiter = () => header(0xfffe, 0xe0dd, undefined, 0);

function meta(transferSyntax: string, sop: string): Buffer {
  const body = Buffer.concat([
    element(0x0002, 0x0001, 'OB', new Uint8Array([0, 1])),
    element(0x0002, 0x0002, 'UI', crImageStorage),
    element(0x0002, 0x0003, 'UI', sop),
    element(0x0002, 0x0010, 'UI', transferSyntax),
    element(0x0002, 0x0012, 'UI', '1.2.3.4'),
  ]);
  const groupLength = element(0x0002, 0x0000, 'UL', (() => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(body.length);
    return b;
  })());
  return Buffer.concat([Buffer.alloc(128), Buffer.from('DICM', 'latin1'), groupLength, body]);
}

let counter = 0;
function uids(): { study: string; series: string; sop: string } {
  counter += 1;
  const base = `2.25.${Date.now()}${process.pid}${counter}`;
  return { study: `${base}.1`, series: `${base}.2`, sop: `${base}.3` };
}

/** The identifying part of an image's data set, up to (0008,0060) Modality. */
function identityElements(ids: { study: string; series: string; sop: string }): Buffer[] {
  return [element(0x0008, 0x0016, 'UI', crImageStorage), element(0x0008, 0x0018, 'UI', ids.sop), element(0x0008, 0x0060, 'CS', 'CR')];
}

function imagePixelModule(rows: number, columns: number, bits: number): Buffer[] {
  return [
    element(0x0028, 0x0002, 'US', us(1)),
    element(0x0028, 0x0004, 'CS', 'MONOCHROME2'),
    element(0x0028, 0x0010, 'US', us(rows)),
    element(0x0028, 0x0011, 'US', us(columns)),
    element(0x0028, 0x0100, 'US', us(bits)),
    element(0x0028, 0x0101, 'US', us(bits)),
    element(0x0028, 0x0102, 'US', us(bits - 1)),
    element(0x0028, 0x0103, 'US', us(0)),
  ];
}

function studyAndSeries(ids: { study: string; series: string }): Buffer[] {
  return [element(0x0018, 0x0015, 'CS', 'CHEST'), element(0x0020, 0x000d, 'UI', ids.study), element(0x0020, 0x000e, 'UI', ids.series)];
}

/** Sequences of undefined length nested `depth` deep inside (0040,0275) Request Attributes Sequence. */
export function nestedSequences(depth: number): Uint8Array {
  const ids = uids();
  const open: Buffer[] = [];
  const close: Buffer[] = [];
  for (let i = 0; i < depth; i++) {
    open.push(header(0x0040, 0x0275, 'SQ', undefinedLength), item());
    close.push(itemDelimiter(), sequenceDelimiter());
  }
  return new Uint8Array(Buffer.concat([meta(explicitLittle, ids.sop), ...identityElements(ids), ...studyAndSeries(ids), ...open, ...close.reverse()]));
}

/** `count` empty private elements (group 0x0009 upwards, creator-less, each 8 bytes). */
export function manyTinyElements(count: number): Uint8Array {
  const ids = uids();
  const parts: Buffer[] = [meta(explicitLittle, ids.sop), ...identityElements(ids), ...studyAndSeries(ids).slice(0, 1)];
  const tiny = Buffer.alloc(count * 8);
  for (let i = 0; i < count; i++) {
    const group = 0x0009 + 2 * Math.floor(i / 0xf000);
    const el = 0x1000 + (i % 0xf000);
    tiny.writeUInt16LE(group, i * 8);
    tiny.writeUInt16LE(el, i * 8 + 2);
    tiny.write('LO', i * 8 + 4, 'latin1');
  }
  // Groups 0x0009..0x001f sort before (0020,000D); past them the file is still well-formed enough to scan.
  parts.push(tiny);
  return new Uint8Array(Buffer.concat(parts));
}

/** A native image declaring `rows` × `columns` with only a few bytes of Pixel Data. */
export function absurdDimensions(rows: number, columns: number): Uint8Array {
  const ids = uids();
  return new Uint8Array(
    Buffer.concat([
      meta(explicitLittle, ids.sop),
      ...identityElements(ids),
      ...studyAndSeries(ids),
      ...imagePixelModule(rows, columns, 16),
      element(0x7fe0, 0x0010, 'OW', new Uint8Array(64)),
    ]),
  );
}

/** A JPEG baseline image of 1024² whose Pixel Data holds `count` empty fragments. */
export function fragmentBomb(count: number): Uint8Array {
  const ids = uids();
  const fragments = Buffer.alloc(8 * (count + 1));
  for (let i = 0; i <= count; i++) {
    fragments.writeUInt16LE(0xfffe, i * 8);
    fragments.writeUInt16LE(0xe000, i * 8 + 2);
  }
  return new Uint8Array(
    Buffer.concat([
      meta(jpegBaseline, ids.sop),
      ...identityElements(ids),
      ...studyAndSeries(ids),
      ...imagePixelModule(1024, 1024, 8),
      header(0x7fe0, 0x0010, 'OB', undefinedLength),
      fragments,
      sequenceDelimiter(),
    ]),
  );
}

/**
 * A deflated (PS3.5 §A.5) `size`² 16-bit image of zeros: a few hundred KB that inflates to size² × 2
 * bytes. Deflated in 1 MB chunks so making it never holds the whole image.
 */
export async function deflateBomb(size: number): Promise<Uint8Array> {
  const ids = uids();
  const pixelBytes = size * size * 2;
  const head = Buffer.concat([...identityElements(ids), ...studyAndSeries(ids), ...imagePixelModule(size, size, 16), header(0x7fe0, 0x0010, 'OW', pixelBytes)]);
  const deflate = createDeflateRaw({ level: 9 });
  const out: Buffer[] = [];
  deflate.on('data', (chunk: Buffer) => out.push(chunk));
  const done = new Promise<void>((resolve, reject) => {
    deflate.on('end', resolve);
    deflate.on('error', reject);
  });
  const write = (chunk: Buffer) => new Promise<void>((resolve) => (deflate.write(chunk) ? resolve() : deflate.once('drain', resolve)));
  await write(head);
  const zeros = Buffer.alloc(1024 * 1024);
  for (let left = pixelBytes; left > 0; left -= zeros.length) await write(left >= zeros.length ? zeros : zeros.subarray(0, left));
  deflate.end();
  await done;
  return new Uint8Array(Buffer.concat([meta(deflated, ids.sop), ...out]));
}

/**
 * A legal, eligible native 16-bit CR chest image of `rows` × `columns` with noisy pixels: heavy, not
 * hostile. `identity` replaces its SOP Instance UID (a `\\` separates values) or drops its Series
 * Instance UID (null), to make one bad attribute.
 */
export function largeNativeImage(rows: number, columns: number, identity: { sop?: string; series?: string | null } = {}): Uint8Array {
  const generated = uids();
  const ids = { ...generated, sop: identity.sop ?? generated.sop };
  const pixels = Buffer.alloc(rows * columns * 2);
  let seed = 12345;
  for (let i = 0; i < rows * columns; i++) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    pixels.writeUInt16LE(seed % 4096, i * 2);
  }
  const bits = [
    element(0x0028, 0x0002, 'US', us(1)),
    element(0x0028, 0x0004, 'CS', 'MONOCHROME2'),
    element(0x0028, 0x0010, 'US', us(rows)),
    element(0x0028, 0x0011, 'US', us(columns)),
    element(0x0028, 0x0100, 'US', us(16)),
    element(0x0028, 0x0101, 'US', us(12)),
    element(0x0028, 0x0102, 'US', us(11)),
    element(0x0028, 0x0103, 'US', us(0)),
  ];
  return new Uint8Array(
    Buffer.concat([
      meta(explicitLittle, generated.sop),
      ...identityElements(ids),
      element(0x0018, 0x0015, 'CS', 'CHEST'),
      element(0x0018, 0x5101, 'CS', 'PA'),
      element(0x0020, 0x000d, 'UI', ids.study),
      ...(identity.series === null ? [] : [element(0x0020, 0x000e, 'UI', identity.series ?? ids.series)]),
      ...bits,
      element(0x7fe0, 0x0010, 'OW', pixels),
    ]),
  );
}
