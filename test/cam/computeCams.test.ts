import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { upsampleBilinear } from '../../inference-service/src/cam/bilinear.ts';
import { readClassifierWeight } from '../../inference-service/src/cam/classifierWeight.ts';
import type { ClassifierWeight } from '../../inference-service/src/cam/classifierWeight.ts';
import { computeCams } from '../../inference-service/src/cam/computeCams.ts';
import { loadActiveModel } from '../../inference-service/src/model/activeModel.ts';
import { FindingsModel } from '../../inference-service/src/model/findingsModel.ts';
import type { FeatureMaps } from '../../inference-service/src/model/findingsModel.ts';
import { importModel } from '../../inference-service/src/torch/importModel.ts';
import { fixedInputs, readJson, torchFixture } from '../torch/torchFixtures.ts';
import type { TinyDenseNetReference } from '../torch/torchFixtures.ts';

const reference = readJson<TinyDenseNetReference>('tiny-densenet.expected.json');
const finding = reference.camFinding;

/** max |a − b| / max |b|: the CAM's error relative to its own scale. */
function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs((a[i] ?? 0) - (b[i] ?? 0)));
    scale = Math.max(scale, Math.abs(b[i] ?? 0));
  }
  return diff / scale;
}

describe('computeCams', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cxr-cam-test-'));
  let featureMaps: FeatureMaps[] = [];
  let weight: ClassifierWeight;

  beforeAll(async () => {
    await importModel(torchFixture(reference.files.legacyModule.file), { modelsDir: dir });
    const { card, onnxPath } = await loadActiveModel(dir);
    weight = readClassifierWeight(readFileSync(onnxPath), onnxPath);
    const model = await FindingsModel.create({ card, onnxPath, intraOpThreads: 1 });
    try {
      featureMaps = (await model.run(fixedInputs(), { featureMaps: true })).featureMaps ?? [];
    } finally {
      await model.dispose();
    }
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  describe('against PyTorch on the tiny DenseNet', () => {
    it('should read the classifier weight from the ONNX model the logits came from', () => {
      const channels = featureMaps[0]?.channels ?? 0;
      expect([weight.numClasses, weight.channels]).toEqual([18, channels]);
      expect(weight.data.length).toBe(18 * channels);
    });

    it('should compute the 7×7 map within 1e-3 of PyTorch, relative to its scale', () => {
      reference.images.forEach((image, n) => {
        const maps = featureMaps[n];
        if (!maps) throw new Error(`no feature maps for image ${n}`);
        expect([maps.height, maps.width]).toEqual([7, 7]);
        const [cam] = computeCams(maps, weight, reference.crop, reference.originalSize, { findings: [finding] });
        expect(relativeError(cam?.map ?? [], image.cam7)).toBeLessThan(1e-3);
      });
    });

    it('should upsample over the crop as F.interpolate(bilinear, align_corners=False) does', () => {
      reference.images.forEach((image) => {
        const size = reference.crop.size;
        const up = upsampleBilinear(image.cam7, 7, 7, size);
        const step = image.camUpsampledSampleStep;
        const samples: number[] = [];
        for (let y = 0; y < size; y += step) for (let x = 0; x < size; x += step) samples.push(up[y * size + x] ?? Number.NaN);
        expect(relativeError(samples, image.camUpsampledSamples)).toBeLessThan(1e-5);
      });
    });

    it('should find the peak and the region above half the range in original-image pixels, as PyTorch brute force does', () => {
      reference.images.forEach((image, n) => {
        const [cam] = computeCams(featureMaps[n] as FeatureMaps, weight, reference.crop, reference.originalSize, { findings: [finding], level: 0.5 });
        if (!cam) throw new Error('no CAM');
        const want = image.camUpsampledPeak;
        expect(Math.abs(cam.peak.value - want.value) / Math.abs(want.value)).toBeLessThan(1e-3);
        // The map's top may be a flat margin at the crop edge; then any pixel of it is the peak.
        const up = upsampleBilinear(image.cam7, 7, 7, reference.crop.size);
        const atOurPeak = up[(cam.peak.y - reference.crop.y) * reference.crop.size + (cam.peak.x - reference.crop.x)] ?? Number.NaN;
        expect(Math.abs(atOurPeak - want.value) / Math.abs(want.value)).toBeLessThan(1e-5);
        const box = image.camUpsampledBox;
        for (const key of ['x0', 'y0', 'x1', 'y1'] as const) expect(Math.abs(cam.region[key] - box[key]), key).toBeLessThanOrEqual(1);
      });
    });
  });

  describe('geometry on maps with a known answer', () => {
    const oneHot = (cell: number, channels = 1): FeatureMaps => {
      const data = new Float32Array(channels * 49);
      data[cell] = 1;
      return { data, channels, height: 7, width: 7 };
    };
    const unit: ClassifierWeight = { data: new Float32Array([1]), numClasses: 1, channels: 1 };

    it('should put a centre-cell peak at the centre of the crop, shifted by the crop offset', () => {
      const crop = { x: 100, y: 0, size: 700, resolution: 224 };
      const [cam] = computeCams(oneHot(24), unit, crop, { width: 900, height: 700 });
      // Cell (3, 3) of 7 covers crop pixels 300–399; its centre sample is at 349.5, pixels 349 and 350 tie.
      expect(cam?.peak).toMatchObject({ x: 100 + 349, y: 349 });
      expect(cam?.peak.value).toBeCloseTo(0.995 ** 2, 6);
      // Half of the peak is reached 50 px either side of the centre (linear ramp over one 100 px cell).
      expect(cam?.region).toMatchObject({ x0: 100 + 300, x1: 100 + 399, y0: 300, y1: 399 });
    });

    it('should report a corner peak on the corner cell, not outside the crop', () => {
      const crop = { x: 0, y: 50, size: 70, resolution: 224 };
      const [cam] = computeCams(oneHot(48), unit, crop, { width: 70, height: 170 });
      expect(cam?.peak.value).toBe(1);
      expect(cam?.region.x1).toBe(69);
      expect(cam?.region.y1).toBe(50 + 69);
      expect(cam?.peak.x).toBeGreaterThanOrEqual(60);
      expect(cam?.peak.y).toBeGreaterThanOrEqual(50 + 60);
    });

    it('should agree with the full upsampled map on random maps and odd crop sizes', () => {
      let seed = 7;
      const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
      for (const size of [7, 50, 333, 1021]) {
        const data = Float32Array.from({ length: 49 }, random);
        const maps: FeatureMaps = { data, channels: 1, height: 7, width: 7 };
        const [cam] = computeCams(maps, unit, { x: 0, y: 0, size, resolution: 224 }, { width: size, height: size }, { level: 0.3 });
        const up = upsampleBilinear(data, 7, 7, size);
        let max = -Infinity;
        let min = Infinity;
        for (const v of up) { max = Math.max(max, v); min = Math.min(min, v); }
        expect(cam?.peak.value).toBeCloseTo(max, 5);
        expect(cam?.min).toBeCloseTo(min, 5);
        const t = min + 0.3 * (max - min);
        let [x0, y0, x1, y1] = [size, size, -1, -1];
        for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) {
          if ((up[y * size + x] ?? 0) >= t - 1e-6) { x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y); }
        }
        expect(cam?.region).toMatchObject({ x0, y0, x1, y1 });
      }
    });
  });

  describe('the weighted sums', () => {
    it('should be the channel-order sums, for a channel count that is not a multiple of four', () => {
      let seed = 11;
      const random = (): number => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1;
      const channels = 1027;
      const numClasses = 5;
      const data = Float32Array.from({ length: channels * 49 }, () => Math.max(0, random()));
      const weight: ClassifierWeight = { data: Float32Array.from({ length: numClasses * channels }, random), numClasses, channels };
      const findings = [4, 0, 2];
      const cams = computeCams({ data, channels, height: 7, width: 7 }, weight, { x: 0, y: 0, size: 224, resolution: 224 }, { width: 224, height: 224 }, { findings });
      for (const [f, c] of findings.entries()) {
        const expected = new Float32Array(49);
        for (let i = 0; i < 49; i++) {
          let sum = 0;
          for (let k = 0; k < channels; k++) sum += (weight.data[c * channels + k] ?? 0) * (data[k * 49 + i] ?? 0);
          expected[i] = sum;
        }
        expect(cams[f]?.finding).toBe(c);
        expect(Array.from(cams[f]?.map ?? [])).toEqual(Array.from(expected));
      }
    });
  });

  describe('inputs that do not fit', () => {
    const maps: FeatureMaps = { data: new Float32Array(2 * 49), channels: 2, height: 7, width: 7 };
    it('should say when classifier and feature maps disagree on channels', () => {
      expect(() => computeCams(maps, { data: new Float32Array(18), numClasses: 18, channels: 1 }, { x: 0, y: 0, size: 10, resolution: 224 }, { width: 10, height: 10 })).toThrow(
        /classifier weight has 1 channels, the feature maps 2/,
      );
    });
    it('should say when the crop lies outside the image', () => {
      expect(() => computeCams(maps, { data: new Float32Array(36), numClasses: 18, channels: 2 }, { x: 5, y: 0, size: 10, resolution: 224 }, { width: 10, height: 10 })).toThrow(
        /crop 10² at \(5, 0\) lies outside the 10×10 image/,
      );
    });
  });
});
