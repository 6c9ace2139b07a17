import { DicomReadError } from './errors.ts';

function asBytes(buffer: ArrayBuffer | Uint8Array): Uint8Array {
  return buffer instanceof Uint8Array ? buffer : new Uint8Array(buffer);
}

/** JPEG, JPEG-LS and JPEG 2000 codestreams all end with 0xFFD9 (EOI/EOC), perhaps plus one pad byte. */
function endsCodestream(fragment: Uint8Array): boolean {
  let end = fragment.length;
  while (end > 0 && fragment[end - 1] === 0) end--;
  return end >= 2 && fragment[end - 2] === 0xff && fragment[end - 1] === 0xd9;
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

/**
 * The bytes of frame 1 of encapsulated Pixel Data (PS3.5 A.4). dcmjs hands over one buffer per frame
 * when the Basic Offset Table is filled, else one per fragment. A single-frame image is all its
 * fragments; with as many buffers as frames, the first is frame 1; otherwise (several frames, empty
 * table, fragmented frames) frame 1 runs to the first fragment that ends its codestream (A.4 allows
 * this reading for JPEG-family streams; RLE has exactly one fragment per frame, G.1).
 */
export function firstEncapsulatedFrame(
  pixelData: readonly (ArrayBuffer | Uint8Array)[],
  numberOfFrames: number,
  where: string,
): Uint8Array {
  const fragments = pixelData.map(asBytes).filter((f) => f.length > 0);
  if (fragments.length === 0) throw new DicomReadError('corrupt-pixel-data', `${where}: encapsulated Pixel Data has no fragments`);
  if (numberOfFrames === 1) return concat(fragments);
  if (fragments.length === numberOfFrames) return fragments[0]!;
  const end = fragments.findIndex(endsCodestream);
  return concat(fragments.slice(0, end === -1 ? 1 : end + 1));
}
