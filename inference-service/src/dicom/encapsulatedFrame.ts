import { endsWithEndMarker } from './codecs/jpegMarkers.ts';
import { DicomReadError } from './errors.ts';

/**
 * The Extended Offset Table (7FE0,0001) and its lengths (7FE0,0002), PS3.3 C.7.6.3.1.8: per frame, the
 * offset of its first fragment's Item tag from the first fragment after the Basic Offset Table, and the
 * length of its encoded bytes.
 */
export interface ExtendedOffsetTable {
  readonly offsets: readonly number[];
  readonly lengths?: readonly number[];
}

function asBytes(buffer: ArrayBuffer | Uint8Array): Uint8Array {
  return buffer instanceof Uint8Array ? buffer : new Uint8Array(buffer);
}

function concat(fragments: readonly Uint8Array[]): Uint8Array {
  if (fragments.length === 1) return fragments[0]!;
  const total = fragments.reduce((sum, f) => sum + f.length, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const f of fragments) {
    out.set(f, at);
    at += f.length;
  }
  return out;
}

/** Item tag and length before every fragment's value (PS3.5 A.4). */
const itemHeaderBytes = 8;

/**
 * Frame 1's fragments by the Extended Offset Table: those that start before frame 2's offset. The
 * table must fit the fragments exactly (one offset per frame, the first 0, each on a fragment's Item
 * tag, increasing); a table that does not is refused, never half-trusted.
 */
function frameOneByTable(fragments: readonly Uint8Array[], table: ExtendedOffsetTable, numberOfFrames: number, where: string): Uint8Array {
  const fail = (what: string): never => {
    throw new DicomReadError('corrupt-pixel-data', `${where}: the Extended Offset Table (7FE0,0001) ${what} (PS3.3 C.7.6.3.1.8)`);
  };
  const { offsets, lengths } = table;
  if (offsets.length !== numberOfFrames) fail(`has ${offsets.length} offsets for ${numberOfFrames} frames`);
  if (offsets[0] !== 0) fail(`starts at ${offsets[0]}, not 0`);
  const starts: number[] = [];
  let position = 0;
  for (const f of fragments) {
    starts.push(position);
    position += itemHeaderBytes + f.length;
  }
  const next = offsets[1]!;
  if (!(next > 0)) fail(`gives frame 2 the offset ${next}, not after frame 1`);
  const count = starts.findIndex((s) => s >= next);
  if (count === -1 || starts[count] !== next) fail(`gives frame 2 the offset ${next}, which is not where a fragment starts`);
  const frame = concat(fragments.slice(0, count));
  const length = lengths?.[0];
  // The length may leave out the pad byte that evens an odd codestream's last fragment.
  if (length !== undefined && length !== frame.length && length !== frame.length - 1) {
    fail(`lengths (7FE0,0002) say frame 1 is ${length} bytes, its fragments hold ${frame.length}`);
  }
  return frame;
}

/**
 * The bytes of frame 1 of encapsulated Pixel Data (PS3.5 A.4), whatever the fragmentation. dcmjs hands
 * over one buffer per frame when the Basic Offset Table is filled (it joins each frame's fragments),
 * else one per fragment. A single-frame image is all its fragments; with as many buffers as frames, the
 * first is frame 1; with an Extended Offset Table, frame 1 is the fragments it assigns to frame 1;
 * otherwise (several frames, empty tables, fragmented frames) frame 1 runs to the first fragment that
 * ends its codestream (A.4 allows this reading for JPEG-family streams; RLE has exactly one fragment per
 * frame, G.1).
 */
export function firstEncapsulatedFrame(
  pixelData: readonly (ArrayBuffer | Uint8Array)[],
  numberOfFrames: number,
  where: string,
  extendedOffsetTable?: ExtendedOffsetTable,
): Uint8Array {
  const all = pixelData.map(asBytes);
  const fragments = all.filter((f) => f.length > 0);
  if (fragments.length === 0) throw new DicomReadError('corrupt-pixel-data', `${where}: encapsulated Pixel Data has no fragments`);
  if (numberOfFrames === 1) return concat(fragments);
  if (fragments.length === numberOfFrames) return fragments[0]!;
  if (extendedOffsetTable) return frameOneByTable(all, extendedOffsetTable, numberOfFrames, where);
  const end = fragments.findIndex(endsWithEndMarker);
  return concat(fragments.slice(0, end === -1 ? 1 : end + 1));
}
