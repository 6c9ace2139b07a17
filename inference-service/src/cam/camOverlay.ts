import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CropGeometry, XrayImage } from '../xray/types.ts';
import { axisSample } from './bilinear.ts';
import type { FindingCam } from './computeCams.ts';
import { encodeRgbPng } from './encodePng.ts';

export interface OverlayOptions {
  /** Longest side of the PNG in pixels; the original is downscaled to it (never upscaled). 512 by default. */
  readonly maxSide?: number;
  /** Heat-map opacity at the map's peak. */
  readonly opacity?: number;
}

const unitByte = (x: number): number => Math.round(255 * Math.min(1, Math.max(0, x)));

/** A blue → cyan → yellow → red ramp for t in [0, 1], as 256 RGB entries (no work per pixel). */
const heatRamp = Uint8Array.from({ length: 256 * 3 }, (_, i) => {
  const t = Math.floor(i / 3) / 255;
  const centre = [3, 2, 1][i % 3] ?? 0;
  return unitByte(1.5 - Math.abs(4 * t - centre));
});

/**
 * The original image (TorchXRayVision scale, downscaled by nearest sampling) with one finding's CAM blended
 * over the crop the model saw, the CAM region's box in white and the peak as a white cross. For people
 * checking where a finding came from; the numbers are in `computeCams`' output.
 */
export function renderCamOverlay(image: XrayImage, cam: FindingCam, crop: CropGeometry, options: OverlayOptions = {}): { width: number; height: number; rgb: Uint8Array } {
  const maxSide = options.maxSide ?? 512;
  const opacity = options.opacity ?? 0.5;
  const scale = Math.min(1, maxSide / Math.max(image.width, image.height));
  const width = Math.max(1, Math.round(image.width * scale));
  const height = Math.max(1, Math.round(image.height * scale));
  const rgb = new Uint8Array(width * height * 3);
  const range = cam.peak.value - cam.min || 1;
  // Per output column (row): the original pixel shown, and where it lies in the crop (NaN outside it).
  const axis = (outSize: number, inSize: number, offset: number, camSize: number) => {
    const source = new Int32Array(outSize);
    const inCrop = new Uint8Array(outSize);
    const cam0 = new Int32Array(outSize);
    const cam1 = new Int32Array(outSize);
    const camT = new Float64Array(outSize);
    for (let u = 0; u < outSize; u++) {
      const o = ((u + 0.5) * inSize) / outSize - 0.5;
      source[u] = Math.min(inSize - 1, Math.max(0, Math.round(o)));
      const c = o - offset;
      inCrop[u] = c >= -0.5 && c < crop.size - 0.5 ? 1 : 0;
      const s = axisSample(c, camSize, crop.size);
      cam0[u] = s.i0;
      cam1[u] = s.i1;
      camT[u] = s.t;
    }
    return { source, inCrop, cam0, cam1, camT };
  };
  const columns = axis(width, image.width, crop.x, cam.width);
  const rows = axis(height, image.height, crop.y, cam.height);
  const m = cam.map;

  for (let v = 0; v < height; v++) {
    const sy = rows.source[v] ?? 0;
    const rowInCrop = rows.inCrop[v] === 1;
    const r0 = (rows.cam0[v] ?? 0) * cam.width;
    const r1 = (rows.cam1[v] ?? 0) * cam.width;
    const ty = rows.camT[v] ?? 0;
    for (let u = 0; u < width; u++) {
      const grey = Math.min(255, Math.max(0, ((image.data[sy * image.width + (columns.source[u] ?? 0)] ?? -1024) + 1024) * (255 / 2048)));
      let r = grey;
      let g = grey;
      let b = grey;
      if (rowInCrop && columns.inCrop[u] === 1) {
        const c0 = columns.cam0[u] ?? 0;
        const c1 = columns.cam1[u] ?? 0;
        const tx = columns.camT[u] ?? 0;
        const top = (m[r0 + c0] ?? 0) * (1 - tx) + (m[r0 + c1] ?? 0) * tx;
        const bottom = (m[r1 + c0] ?? 0) * (1 - tx) + (m[r1 + c1] ?? 0) * tx;
        const t = Math.min(1, Math.max(0, (top * (1 - ty) + bottom * ty - cam.min) / range));
        const ramp = Math.round(t * 255) * 3;
        const a = opacity * t;
        r = r * (1 - a) + (heatRamp[ramp] ?? 0) * a;
        g = g * (1 - a) + (heatRamp[ramp + 1] ?? 0) * a;
        b = b * (1 - a) + (heatRamp[ramp + 2] ?? 0) * a;
      }
      const at = (v * width + u) * 3;
      rgb[at] = r;
      rgb[at + 1] = g;
      rgb[at + 2] = b;
    }
  }

  const at = (x: number, y: number): void => {
    const u = Math.min(width - 1, Math.max(0, Math.round(x * scale)));
    const v = Math.min(height - 1, Math.max(0, Math.round(y * scale)));
    rgb.set([255, 255, 255], (v * width + u) * 3);
  };
  const { x0, y0, x1, y1 } = cam.region;
  for (let x = x0; x <= x1; x += 1 / scale) { at(x, y0); at(x, y1); }
  for (let y = y0; y <= y1; y += 1 / scale) { at(x0, y); at(x1, y); }
  for (let d = -6; d <= 6; d++) { at(cam.peak.x + d / scale, cam.peak.y); at(cam.peak.x, cam.peak.y + d / scale); }
  return { width, height, rgb };
}

/**
 * `--cam-png DIR`: one PNG per given CAM, named `<baseName>.cam.<label>.png`; returns the paths written.
 * Callers choose which findings (e.g. the top three by probability).
 */
export async function writeCamPngs(
  dir: string,
  baseName: string,
  image: XrayImage,
  crop: CropGeometry,
  cams: readonly FindingCam[],
  labels: readonly string[],
  options: OverlayOptions = {},
): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const written: string[] = [];
  for (const cam of cams) {
    const label = (labels[cam.finding] ?? `finding${cam.finding}`).replace(/[^\w.-]+/g, '_');
    const { width, height, rgb } = renderCamOverlay(image, cam, crop, options);
    const path = join(dir, `${baseName}.cam.${label}.png`);
    await writeFile(path, encodeRgbPng(width, height, rgb));
    written.push(path);
  }
  return written;
}
