import { randomUUID } from 'node:crypto';
import { writePart10 } from '../src/dicom/writePart10.ts';

/** A UID under 2.25 from a random UUID (PS3.5 B.2). */
export function newUid(): string {
  return `2.25.${BigInt(`0x${randomUUID().replaceAll('-', '')}`).toString()}`;
}

/**
 * A large 16-bit DX image (BitsStored 12) made from a smaller 8-bit one by bilinear upsampling, the size
 * of a detector image, to benchmark reading and preprocessing where it costs most.
 */
export function makeLargeDx(source: { width: number; height: number; pixels: ArrayLike<number> }, side: number): Uint8Array {
  const out = new Uint16Array(side * side);
  const sx = (source.width - 1) / (side - 1);
  const sy = (source.height - 1) / (side - 1);
  for (let y = 0; y < side; y += 1) {
    const fy = y * sy;
    const y0 = Math.floor(fy);
    const y1 = Math.min(source.height - 1, y0 + 1);
    const wy = fy - y0;
    for (let x = 0; x < side; x += 1) {
      const fx = x * sx;
      const x0 = Math.floor(fx);
      const x1 = Math.min(source.width - 1, x0 + 1);
      const wx = fx - x0;
      const p = (yy: number, xx: number): number => source.pixels[yy * source.width + xx] ?? 0;
      const v = (p(y0, x0) * (1 - wx) + p(y0, x1) * wx) * (1 - wy) + (p(y1, x0) * (1 - wx) + p(y1, x1) * wx) * wy;
      out[y * side + x] = Math.round(v * 16);
    }
  }
  return writePart10({
    SOPClassUID: '1.2.840.10008.5.1.4.1.1.1.1',
    SOPInstanceUID: newUid(),
    StudyInstanceUID: newUid(),
    SeriesInstanceUID: newUid(),
    Modality: 'DX',
    PatientName: 'Bench^Large',
    PatientID: 'BENCH-LARGE',
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    Rows: side,
    Columns: side,
    BitsAllocated: 16,
    BitsStored: 12,
    HighBit: 11,
    PixelRepresentation: 0,
    PixelData: [out.buffer],
    _vrMap: { PixelData: 'OW' },
  });
}
