import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, inflateSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { renderCamOverlay, writeCamPngs } from '../../inference-service/src/cam/camOverlay.ts';
import type { FindingCam } from '../../inference-service/src/cam/computeCams.ts';
import { computeCams } from '../../inference-service/src/cam/computeCams.ts';
import { encodeRgbPng } from '../../inference-service/src/cam/encodePng.ts';
import type { XrayImage } from '../../inference-service/src/xray/types.ts';

interface Chunk { type: string; data: Buffer; crcOk: boolean }

/** Splits a PNG into chunks, checking each CRC (ISO/IEC 15948 §5.3). */
function chunks(png: Uint8Array): Chunk[] {
  const b = Buffer.from(png);
  expect([...b.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const out: Chunk[] = [];
  for (let at = 8; at < b.length;) {
    const length = b.readUInt32BE(at);
    const type = b.toString('latin1', at + 4, at + 8);
    out.push({ type, data: b.subarray(at + 8, at + 8 + length), crcOk: crc32(b.subarray(at + 4, at + 8 + length)) === b.readUInt32BE(at + 8 + length) });
    at += 12 + length;
  }
  return out;
}

describe('CAM overlay PNG', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cxr-cam-png-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  describe('encodeRgbPng', () => {
    it('should write signature, IHDR (RGB, 8 bit), one IDAT of filter-0 scanlines and IEND, every CRC valid', () => {
      const rgb = Uint8Array.from({ length: 3 * 2 * 3 }, (_, i) => i * 10);
      const parts = chunks(encodeRgbPng(3, 2, rgb));
      expect(parts.map((c) => c.type)).toEqual(['IHDR', 'IDAT', 'IEND']);
      expect(parts.every((c) => c.crcOk)).toBe(true);
      const ihdr = parts[0]?.data ?? Buffer.alloc(0);
      expect([ihdr.readUInt32BE(0), ihdr.readUInt32BE(4), ...ihdr.subarray(8)]).toEqual([3, 2, 8, 2, 0, 0, 0]);
      const raw = inflateSync(parts[1]?.data ?? Buffer.alloc(0));
      expect([...raw]).toEqual([0, ...rgb.subarray(0, 9), 0, ...rgb.subarray(9)]);
    });

    it('should refuse pixels that do not fit the size', () => {
      expect(() => encodeRgbPng(2, 2, new Uint8Array(11))).toThrow(/11 bytes for 2×2 RGB, expected 12/);
    });
  });

  describe('renderCamOverlay', () => {
    // A 400×300 image, dark (−1024); the crop is the centred 300² square at x = 50.
    const image: XrayImage = { width: 400, height: 300, data: new Float32Array(400 * 300).fill(-1024) };
    const crop = { x: 50, y: 0, size: 300, resolution: 224 };
    const oneHot = new Float32Array(49);
    oneHot[2 * 7 + 5] = 1; // row 2, column 5
    const [cam] = computeCams({ data: oneHot, channels: 1, height: 7, width: 7 }, { data: new Float32Array([1]), numClasses: 1, channels: 1 }, crop, image);

    it('should paint the heat where the map peaks, leave the image outside the crop untouched, and mark the region', () => {
      const { width, height, rgb } = renderCamOverlay(image, cam as FindingCam, crop, { maxSide: 200 });
      expect([width, height]).toEqual([200, 150]);
      const pixel = (x: number, y: number) => [...rgb.subarray((y * width + x) * 3, (y * width + x) * 3 + 3)];
      // Cell (2, 5) centres at original (50 + 5.5·300/7, 2.5·300/7) ≈ (286, 107) → (143, 54) at half scale; off the cross.
      const [r = 0, g = 0, b = 0] = pixel(140, 51);
      expect(r).toBeGreaterThan(80);
      expect(r).toBeGreaterThan(g);
      expect(r).toBeGreaterThan(b);
      expect(pixel(5, 140)).toEqual([0, 0, 0]);
      const box = (cam as FindingCam).region;
      expect(pixel(Math.round(box.x0 / 2), Math.round(((box.y0 + box.y1) / 2) / 2))).toEqual([255, 255, 255]);
    });

    it('should write one PNG per CAM named by its label', async () => {
      const files = await writeCamPngs(dir, 'image1', image, crop, [cam as FindingCam], ['Lung Opacity']);
      expect(files).toEqual([join(dir, 'image1.cam.Lung_Opacity.png')]);
      expect(chunks(readFileSync(files[0] ?? '')).map((c) => c.type)).toEqual(['IHDR', 'IDAT', 'IEND']);
    });
  });
});
