import { describe, expect, it } from 'vitest';
import { axisSample } from '../../inference-service/src/cam/bilinear.ts';
import { camImage } from '../../inference-service/src/cam/camImage.ts';
import type { FindingCam } from '../../inference-service/src/cam/computeCams.ts';

/** A CAM of a 7×7 map whose min and peak are the map's own (camImage only reads those and the map). */
function camOf(map: Float32Array): FindingCam {
  const values = Array.from(map);
  const region = { x0: 0, y0: 0, x1: 0, y1: 0, level: 0.5, threshold: 0 };
  return { finding: 0, map, width: 7, height: 7, peak: { x: 0, y: 0, value: Math.max(...values) }, min: Math.min(...values), region };
}

/** One cell, straight from the definition: its centre in image pixels, then the crop's upsampling there. */
function expectedCell(cam: FindingCam, crop: { x: number; y: number; size: number }, image: { width: number; height: number }, grid: { width: number; height: number }, u: number, v: number): number {
  const cx = ((u + 0.5) * image.width) / grid.width - 0.5 - crop.x;
  const cy = ((v + 0.5) * image.height) / grid.height - 0.5 - crop.y;
  if (cx < -0.5 || cx >= crop.size - 0.5 || cy < -0.5 || cy >= crop.size - 0.5) return 0;
  const x = axisSample(cx, 7, crop.size);
  const y = axisSample(cy, 7, crop.size);
  const at = (i: number, j: number) => cam.map[i * 7 + j] ?? 0;
  const top = at(y.i0, x.i0) * (1 - x.t) + at(y.i0, x.i1) * x.t;
  const bottom = at(y.i1, x.i0) * (1 - x.t) + at(y.i1, x.i1) * x.t;
  return Math.min(1, Math.max(0, (top * (1 - y.t) + bottom * y.t - cam.min) / (cam.peak.value - cam.min)));
}

describe('camImage', () => {
  let seed = 3;
  const random = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;

  // Crops that leave margins on either axis or none, grids coarser than the image and the image's own.
  const cases = [
    { image: { width: 904, height: 1024 }, crop: { x: 0, y: 60, size: 904, resolution: 224 }, grid: { width: 113, height: 128 } },
    { image: { width: 1100, height: 800 }, crop: { x: 150, y: 0, size: 800, resolution: 224 }, grid: { width: 128, height: 93 } },
    { image: { width: 300, height: 300 }, crop: { x: 0, y: 0, size: 300, resolution: 224 }, grid: { width: 128, height: 128 } },
    { image: { width: 90, height: 70 }, crop: { x: 13, y: 0, size: 70, resolution: 224 }, grid: { width: 90, height: 70 } },
  ];
  for (const { image, crop, grid } of cases) {
    it(`should give every cell the upsampled map at its centre and 0 off the crop (${image.width}×${image.height}, crop ${crop.size}² at ${crop.x},${crop.y}, grid ${grid.width}×${grid.height})`, () => {
      const cam = camOf(Float32Array.from({ length: 49 }, random));
      const out = camImage(cam, crop, image, grid);
      let inside = 0;
      for (let v = 0; v < grid.height; v++) {
        for (let u = 0; u < grid.width; u++) {
          const expected = expectedCell(cam, crop, image, grid, u, v);
          expect(out[v * grid.width + u], `cell ${u},${v}`).toBeCloseTo(expected, 6);
          if (expected > 0) inside += 1;
        }
      }
      // The crop's cells are there at all, and the margins' are not all of the grid.
      expect(inside).toBeGreaterThan(grid.width * grid.height * 0.5);
    });
  }
});
