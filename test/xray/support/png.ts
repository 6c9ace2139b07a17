import { inflateSync } from 'node:zlib';

/**
 * Just enough PNG (ISO/IEC 15948) to read the NIH test images for the tests: 8-bit greyscale,
 * non-interlaced. Ancillary chunks (gAMA…) are ignored, as skimage.io.imread ignores them.
 */
export function decodeGreyPng(bytes: Uint8Array): { width: number; height: number; pixels: Uint8Array } {
  const signature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (signature.some((b, i) => bytes[i] !== b)) throw new Error('decodeGreyPng: no PNG signature');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let width = 0;
  let height = 0;
  const idat: Uint8Array[] = [];
  for (let at = 8; at + 8 <= bytes.length; ) {
    const length = view.getUint32(at);
    const type = String.fromCharCode(...bytes.subarray(at + 4, at + 8));
    const body = bytes.subarray(at + 8, at + 8 + length);
    if (type === 'IHDR') {
      width = view.getUint32(at + 8);
      height = view.getUint32(at + 12);
      const [depth, colour, , , interlace] = body.subarray(8, 13);
      if (depth !== 8 || colour !== 0 || interlace !== 0) {
        throw new Error(`decodeGreyPng: bit depth ${depth}, colour type ${colour}, interlace ${interlace} not supported`);
      }
    } else if (type === 'IDAT') {
      idat.push(body);
    } else if (type === 'IEND') {
      break;
    }
    at += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const pixels = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (width + 1)];
    const line = raw.subarray(y * (width + 1) + 1, (y + 1) * (width + 1));
    const base = y * width;
    for (let x = 0; x < width; x++) {
      const a = x > 0 ? pixels[base + x - 1]! : 0;
      const b = y > 0 ? pixels[base - width + x]! : 0;
      const c = x > 0 && y > 0 ? pixels[base - width + x - 1]! : 0;
      pixels[base + x] = (line[x]! + predictor(filter, a, b, c)) & 0xff;
    }
  }
  return { width, height, pixels };
}

function predictor(filter: number | undefined, a: number, b: number, c: number): number {
  switch (filter) {
    case 0:
      return 0;
    case 1:
      return a;
    case 2:
      return b;
    case 3:
      return (a + b) >> 1;
    case 4: {
      const p = a + b - c;
      const pa = Math.abs(p - a);
      const pb = Math.abs(p - b);
      const pc = Math.abs(p - c);
      return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }
    default:
      throw new Error(`decodeGreyPng: unknown filter type ${filter}`);
  }
}
