import type { DicomDataset } from '../../../inference-service/src/dicom/index.ts';
import { encodeDataSet, implementationIdentity } from '../../../inference-service/src/dicom/writePart10.ts';

/**
 * Writes encapsulated Part-10 files byte by byte (PS3.5 A.4, PS3.10 7.1), so tests control what no
 * DICOM tool here makes on request: any transfer syntax UID (HTJ2K's included), frames split into
 * several fragments, an empty or filled Basic Offset Table, and the Extended Offset Table.
 */

export interface EncapsulateOptions {
  readonly transferSyntaxUID: string;
  /** Each frame's fragments, in order; odd-length fragments get the zero pad byte A.4 asks for. */
  readonly frames: readonly (readonly Uint8Array[])[];
  readonly basicOffsetTable?: boolean;
  readonly extendedOffsetTable?: boolean;
  /** Overrides the offsets written into the Extended Offset Table (to write a wrong one). */
  readonly extendedOffsets?: readonly number[];
}

class Bytes {
  readonly #parts: Uint8Array[] = [];
  length = 0;
  push(bytes: Uint8Array): this {
    this.#parts.push(bytes);
    this.length += bytes.length;
    return this;
  }
  u16(v: number): this {
    return this.push(new Uint8Array(new Uint16Array([v]).buffer));
  }
  u32(v: number): this {
    return this.push(new Uint8Array(new Uint32Array([v]).buffer));
  }
  ascii(s: string): this {
    return this.push(new TextEncoder().encode(s));
  }
  tag(group: number, element: number): this {
    return this.u16(group).u16(element);
  }
  join(): Uint8Array {
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const p of this.#parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}

function even(bytes: Uint8Array, pad: number): Uint8Array {
  if (bytes.length % 2 === 0) return bytes;
  const out = new Uint8Array(bytes.length + 1);
  out.set(bytes);
  out[bytes.length] = pad;
  return out;
}

function uid(b: Bytes, element: number, value: string): void {
  const v = even(new TextEncoder().encode(value), 0);
  b.tag(0x0002, element).ascii('UI').u16(v.length).push(v);
}

function uint64s(values: readonly number[]): Uint8Array {
  return new Uint8Array(BigUint64Array.from(values.map((v) => BigInt(v))).buffer);
}

export function encapsulatedPart10(dataset: DicomDataset, options: EncapsulateOptions): Uint8Array {
  const { frames } = options;
  const { PixelData: _pixels, ...rest } = dataset;
  const body = encodeDataSet({ ...rest, NumberOfFrames: String(frames.length) });

  const meta = new Bytes();
  meta.tag(0x0002, 0x0001).ascii('OB').u16(0).u32(2).push(Uint8Array.of(0, 1));
  uid(meta, 0x0002, String(dataset.SOPClassUID));
  uid(meta, 0x0003, String(dataset.SOPInstanceUID));
  uid(meta, 0x0010, options.transferSyntaxUID);
  uid(meta, 0x0012, implementationIdentity.ImplementationClassUID);
  const metaBytes = meta.join();

  const fragments = frames.map((frame) => frame.map((f) => even(f, 0)));
  const offsets: number[] = [];
  let position = 0;
  for (const frame of fragments) {
    offsets.push(position);
    for (const f of frame) position += 8 + f.length;
  }

  const file = new Bytes();
  file.push(new Uint8Array(128)).ascii('DICM');
  file.tag(0x0002, 0x0000).ascii('UL').u16(4).u32(metaBytes.length).push(metaBytes);
  file.push(body);
  if (options.extendedOffsetTable) {
    const table = uint64s(options.extendedOffsets ?? offsets);
    const lengths = uint64s(fragments.map((frame) => frame.reduce((sum, f) => sum + f.length, 0)));
    file.tag(0x7fe0, 0x0001).ascii('OV').u16(0).u32(table.length).push(table);
    file.tag(0x7fe0, 0x0002).ascii('OV').u16(0).u32(lengths.length).push(lengths);
  }
  file.tag(0x7fe0, 0x0010).ascii('OB').u16(0).u32(0xffffffff);
  const bot = options.basicOffsetTable ? offsets : [];
  file.tag(0xfffe, 0xe000).u32(bot.length * 4);
  for (const o of bot) file.u32(o);
  for (const frame of fragments) for (const f of frame) file.tag(0xfffe, 0xe000).u32(f.length).push(f);
  file.tag(0xfffe, 0xe0dd).u32(0);
  return file.join();
}

/** Cuts a codestream into `count` fragments of about equal, even size. */
export function splitFragments(codestream: Uint8Array, count: number): Uint8Array[] {
  const size = Math.ceil(codestream.length / count / 2) * 2;
  const out: Uint8Array[] = [];
  for (let at = 0; at < codestream.length; at += size) out.push(codestream.subarray(at, at + size));
  return out;
}
