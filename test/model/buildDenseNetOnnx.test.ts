import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDenseNetOnnx, FindingsModel } from '../../inference-service/src/model/index.ts';
import type { FindingsOutput, WeightMap } from '../../inference-service/src/model/index.ts';
import { readDenseNetFixture } from './densenetFixture.ts';
import type { DenseNetFixture } from './densenetFixture.ts';
import { fixtureInput, fixtureInputCount } from './fixtureInputs.ts';
import { cardWith, scratchDir } from './modelFiles.ts';

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs((a[i] ?? NaN) - (b[i] ?? NaN)));
  return max;
};
const maxAbs = (a: ArrayLike<number>): number => {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] ?? NaN));
  return max;
};

describe('buildDenseNetOnnx', () => {
  let fixture: DenseNetFixture;
  let model: FindingsModel;
  let output: FindingsOutput;
  let scratch: Awaited<ReturnType<typeof scratchDir>>;
  const inputs = Array.from({ length: fixtureInputCount }, (_, i) => fixtureInput(i));

  beforeAll(async () => {
    fixture = await readDenseNetFixture();
    scratch = await scratchDir();
    const onnxPath = await scratch.write('reduced.onnx', buildDenseNetOnnx(fixture.weights, fixture.architecture, fixture.numClasses));
    model = await FindingsModel.create({ onnxPath, card: await cardWith(fixture.architecture) });
    output = await model.run(inputs, { featureMaps: true });
  });
  afterAll(async () => {
    await model?.dispose();
    await scratch?.remove();
  });

  describe('a reduced DenseNet seeded and run by PyTorch 1.13 (test/fixtures/densenet)', () => {
    it('should give PyTorch logits within 1e-4', () => {
      fixture.logits.forEach((expected, i) => expect(maxAbsDiff(output.logits[i] ?? [], expected)).toBeLessThan(1e-4));
    });

    it('should give PyTorch probabilities after sigmoid and op_norm within 1e-4', () => {
      fixture.probabilities.forEach((expected, i) => expect(maxAbsDiff(output.probabilities[i] ?? [], expected)).toBeLessThan(1e-4));
    });

    it('should give spread probabilities, so the comparison above has something to compare', () => {
      const all = output.probabilities.flatMap((p) => Array.from(p));
      expect(Math.max(...all) - Math.min(...all)).toBeGreaterThan(0.5);
    });

    it('should give the post-ReLU feature maps within 1e-4 of their largest value', () => {
      const [, channels, height, width] = fixture.featureShape;
      const size = channels * height * width;
      const scale = maxAbs(fixture.features);
      expect(scale).toBeGreaterThan(0);
      output.featureMaps?.forEach((maps, i) => {
        expect({ channels: maps.channels, height: maps.height, width: maps.width }).toEqual({ channels, height, width });
        const expected = fixture.features.subarray(i * size, (i + 1) * size);
        expect(maxAbsDiff(maps.data, expected) / scale).toBeLessThan(1e-4);
      });
      expect(output.featureMaps).toHaveLength(fixtureInputCount);
    });

    it('should give the feature maps 7×7 at 224, the classifier’s input width in channels', () => {
      expect(output.featureMaps?.[0]).toMatchObject({ channels: 16, height: 7, width: 7 });
    });
  });

  describe('batching', () => {
    it('should give a batch of 3 the same results as 3 single runs', async () => {
      for (let i = 0; i < inputs.length; i++) {
        const single = await model.run([inputs[i] ?? new Float32Array()]);
        expect(Array.from(single.probabilities[0] ?? [])).toEqual(Array.from(output.probabilities[i] ?? []).map((v) => expect.closeTo(v, 6)));
      }
    });

    it('should leave the feature maps out unless asked for', async () => {
      const plain = await model.run(inputs.slice(0, 1));
      expect(plain.featureMaps).toBeUndefined();
      expect(plain.probabilities).toHaveLength(1);
    });
  });

  describe('weights that are not this DenseNet', () => {
    const withChange = (change: (w: WeightMap) => void): WeightMap => {
      const copy: WeightMap = new Map(fixture.weights);
      change(copy);
      return copy;
    };
    const build = (weights: WeightMap): Uint8Array => buildDenseNetOnnx(weights, fixture.architecture, fixture.numClasses);

    it('should accept num_batches_tracked buffers of BatchNorm layers and ignore them', () => {
      const weights = withChange((w) => w.set('features.norm0.num_batches_tracked', { shape: [], data: new Float32Array([7]) }));
      expect(build(weights)).toEqual(build(fixture.weights));
    });

    it('should reject a missing tensor, naming it', () => {
      const weights = withChange((w) => w.delete('features.denseblock3.denselayer2.norm2.running_var'));
      expect(() => build(weights)).toThrow(/^not this DenseNet: tensor 'features\.denseblock3\.denselayer2\.norm2\.running_var' \[8\] is missing/);
    });

    it('should reject an unexpected tensor, naming it', () => {
      const weights = withChange((w) => w.set('features.denseblock4.denselayer3.conv1.weight', { shape: [8, 16, 1, 1], data: new Float32Array(128) }));
      expect(() => build(weights)).toThrow(/^not this DenseNet: unexpected tensor 'features\.denseblock4\.denselayer3\.conv1\.weight'/);
    });

    it('should reject num_batches_tracked where no BatchNorm is', () => {
      const weights = withChange((w) => w.set('classifier.num_batches_tracked', { shape: [], data: new Float32Array(1) }));
      expect(() => build(weights)).toThrow(/unexpected tensor 'classifier\.num_batches_tracked'/);
    });

    it('should reject a wrong shape, naming the tensor and both shapes', () => {
      const weights = withChange((w) => w.set('classifier.weight', { shape: [14, 16], data: new Float32Array(14 * 16) }));
      expect(() => build(weights)).toThrow(/^not this DenseNet: tensor 'classifier\.weight' has shape \[14,16\], expected \[18,16\]/);
    });

    it('should reject data that does not fill its shape', () => {
      const weights = withChange((w) => w.set('features.conv0.weight', { shape: [8, 1, 7, 7], data: new Float32Array(10) }));
      expect(() => build(weights)).toThrow(/^not this DenseNet: tensor 'features\.conv0\.weight' holds 10 values, its shape \[8,1,7,7\] needs 392/);
    });

    it('should reject the reduced weights as a full-size DenseNet-121, at the first tensor that differs', async () => {
      const upstream = await cardWith();
      expect(() => buildDenseNetOnnx(fixture.weights, upstream.architecture, 18)).toThrow(
        /^not this DenseNet: tensor 'features\.conv0\.weight' has shape \[8,1,7,7\], expected \[64,1,7,7\]/,
      );
    });
  });
});
