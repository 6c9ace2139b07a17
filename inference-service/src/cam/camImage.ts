import type { CropGeometry } from '../xray/types.ts';
import { axisSample } from './bilinear.ts';
import type { FindingCam, ImageSize } from './computeCams.ts';

/**
 * One finding's CAM sampled on a grid laid over the whole original image (`grid` columns × rows, each
 * cell the same share of the image's width and height; the image's own size gives pixel for pixel): the map
 * upsampled over the model's crop as computeCams sees it (bilinear, align_corners=False), scaled to 0 at
 * its minimum and 1 at its peak over the crop, and 0 outside the crop (the model never saw those pixels).
 * Row-major float32.
 */
export function camImage(
  cam: FindingCam,
  crop: CropGeometry,
  image: ImageSize,
  grid: ImageSize = image,
  out = new Float32Array(grid.width * grid.height),
): Float32Array {
  if (crop.x < 0 || crop.y < 0 || crop.x + crop.size > image.width || crop.y + crop.size > image.height) {
    throw new Error(`camImage: crop ${crop.size}² at (${crop.x}, ${crop.y}) lies outside the ${image.width}×${image.height} image`);
  }
  if (!Number.isInteger(grid.width) || !Number.isInteger(grid.height) || grid.width < 1 || grid.height < 1) {
    throw new Error(`camImage: the grid must be at least 1×1 whole cells, got ${grid.width}×${grid.height}`);
  }
  if (out.length !== grid.width * grid.height) throw new Error(`camImage: the output holds ${out.length} values, ${grid.width}×${grid.height} needs ${grid.width * grid.height}`);
  const { map, width, height } = cam;
  const range = cam.peak.value - cam.min;
  // A flat map has no place where the model looked more: all zero rather than a division by zero.
  const scale = range > 0 ? 1 / range : 0;
  const xs = gridAxis(grid.width, image.width, crop.x, crop.size, width);
  const ys = gridAxis(grid.height, image.height, crop.y, crop.size, height);
  const line = new Float64Array(width);
  out.fill(0);
  const { i0: x0, i1: x1, t: xt } = xs;
  for (let v = ys.first; v < ys.end; v++) {
    const row0 = (ys.i0[v] ?? 0) * width;
    const row1 = (ys.i1[v] ?? 0) * width;
    const ty = ys.t[v] ?? 0;
    // The row interpolated once at the map's width, then each cell only blends two of its values.
    for (let j = 0; j < width; j++) line[j] = ((map[row0 + j] ?? 0) * (1 - ty) + (map[row1 + j] ?? 0) * ty - cam.min) * scale;
    const base = v * grid.width;
    for (let u = xs.first; u < xs.end; u++) {
      const t = xt[u] ?? 0;
      const value = (line[x0[u] ?? 0] ?? 0) * (1 - t) + (line[x1[u] ?? 0] ?? 0) * t;
      // Rounding can leave a hair outside [0, 1]; the stored range is exactly what the mapping says.
      out[base + u] = value < 0 ? 0 : value > 1 ? 1 : value;
    }
  }
  return out;
}

/**
 * Per grid cell along one axis: the two map samples (and weight) the crop's upsampling blends where its
 * centre falls in the original image, for the cells whose centres lie inside the crop: those from `first`
 * up to `end` (the crop is one interval, and a cell's centre moves with its index).
 */
function gridAxis(cells: number, imageSize: number, cropOffset: number, cropSize: number, mapSize: number) {
  const axis = { i0: new Int32Array(cells), i1: new Int32Array(cells), t: new Float64Array(cells), first: cells, end: 0 };
  for (let u = 0; u < cells; u++) {
    const c = ((u + 0.5) * imageSize) / cells - 0.5 - cropOffset;
    if (c < -0.5 || c >= cropSize - 0.5) continue;
    const s = axisSample(c, mapSize, cropSize);
    axis.i0[u] = s.i0;
    axis.i1[u] = s.i1;
    axis.t[u] = s.t;
    axis.first = Math.min(axis.first, u);
    axis.end = u + 1;
  }
  return axis;
}
