import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDenseNetOnnx, createDemoWeights, FindingsModel } from '../../inference-service/src/model/index.ts';
import type { DenseNetArchitecture, ModelCard } from '../../inference-service/src/model/index.ts';
import { OnnxGraphBuilder } from '../../inference-service/src/model/onnxGraph.ts';
import { fixtureInput } from './fixtureInputs.ts';
import { cardWith, scratchDir } from './modelFiles.ts';

const small: DenseNetArchitecture = { family: 'densenet', growthRate: 4, blockConfig: [2, 2], numInitFeatures: 8, bnSize: 2, inChannels: 1 };

/** A graph with the right input and logits but no feature maps, as some other exporter might write. */
function logitsOnlyOnnx(): Uint8Array {
  const g = new OnnxGraphBuilder('logits_only');
  const x = g.input('input', ['N', 1, 224, 224]);
  const pooled = g.node('Flatten', [g.node('GlobalAveragePool', [x], 'pooled')], 'flat', { axis: 1 });
  g.node('Gemm', [pooled, g.initializer('w', [18, 1], new Float32Array(18).fill(1))], 'logits', { transB: 1 });
  g.output('logits', ['N', 18]);
  return g.encode('test graph without features');
}

describe('FindingsModel', () => {
  let scratch: Awaited<ReturnType<typeof scratchDir>>;
  let card: ModelCard;
  let smallPath: string;

  beforeAll(async () => {
    scratch = await scratchDir();
    card = await cardWith(small);
    smallPath = await scratch.write('small.onnx', buildDenseNetOnnx(createDemoWeights(small, 18, 5), small, 18));
  });
  afterAll(async () => {
    await scratch?.remove();
  });

  describe('a model that fits its card', () => {
    it('should load, expose its card and classify an empty batch as nothing', async () => {
      const model = await FindingsModel.create({ onnxPath: smallPath, card, intraOpThreads: 1 });
      try {
        expect(model.card.id).toBe(card.id);
        expect(await model.run([], { featureMaps: true })).toEqual({ probabilities: [], logits: [], featureMaps: [], threads: 0 });
        const { probabilities, logits } = await model.run([fixtureInput(2)]);
        expect(logits[0]).toHaveLength(18);
        expect(probabilities[0]).toHaveLength(18);
      } finally {
        await model.dispose();
      }
    });
  });

  describe('the session layouts', () => {
    it('should give the same outputs from N one-thread sessions as from one session of N threads, N runs at once', async () => {
      const latency = await FindingsModel.create({ onnxPath: smallPath, card, intraOpThreads: 2, layout: 'latency' });
      const throughput = await FindingsModel.create({ onnxPath: smallPath, card, intraOpThreads: 2, layout: 'throughput' });
      try {
        expect([latency.layout, latency.parallelRuns, throughput.layout, throughput.parallelRuns]).toEqual(['latency', 1, 'throughput', 2]);
        const inputs = [fixtureInput(1), fixtureInput(2), fixtureInput(3)];
        const expected = await latency.run(inputs);
        // Concurrent runs land on different sessions; each must still answer its own inputs.
        const runs = await Promise.all(inputs.map((input) => throughput.run([input])));
        runs.forEach((run, i) => {
          const got = Array.from(run.logits[0]!);
          const want = Array.from(expected.logits[i]!);
          got.forEach((v, k) => expect(Math.abs(v - want[k]!)).toBeLessThan(1e-4));
        });
      } finally {
        await Promise.all([latency.dispose(), throughput.dispose()]);
      }
    });

    it('should answer alike in the adaptive layout, a run alone on the N-thread session and runs side by side on the one-thread ones', async () => {
      const latency = await FindingsModel.create({ onnxPath: smallPath, card, intraOpThreads: 2, layout: 'latency' });
      const adaptive = await FindingsModel.create({ onnxPath: smallPath, card, intraOpThreads: 2, layout: 'adaptive' });
      try {
        expect([adaptive.layout, adaptive.parallelRuns]).toEqual(['adaptive', 2]);
        const inputs = [fixtureInput(1), fixtureInput(2), fixtureInput(3)];
        const expected = await latency.run(inputs);
        const alone = await adaptive.run([inputs[0]!], { alone: true });
        const sideBySide = await Promise.all(inputs.map((input) => adaptive.run([input])));
        expect([alone.threads, ...sideBySide.map((run) => run.threads), expected.threads]).toEqual([2, 1, 1, 1, 2]);
        for (const [i, run] of [alone, ...sideBySide].entries()) {
          const want = Array.from(expected.logits[i === 0 ? 0 : i - 1]!);
          Array.from(run.logits[0]!).forEach((v, k) => expect(Math.abs(v - want[k]!)).toBeLessThan(1e-4));
        }
        expect(adaptive.failure).toBeUndefined();
      } finally {
        await Promise.all([latency.dispose(), adaptive.dispose()]);
      }
    });

    it('should refuse a layout that does not exist', async () => {
      await expect(FindingsModel.create({ onnxPath: smallPath, card, layout: 'fastest' as never })).rejects.toThrow(/layout must be one of latency, throughput, adaptive, got 'fastest'/);
    });
  });

  describe('failures at load', () => {
    it('should refuse a file onnxruntime cannot read, naming it', async () => {
      const path = await scratch.write('garbage.onnx', new TextEncoder().encode('not a model'));
      await expect(FindingsModel.create({ onnxPath: path, card })).rejects.toThrow(`onnxruntime cannot load ${path}`);
    });

    it('should refuse a model whose input resolution differs from the card', async () => {
      const card256 = { ...card, input: { ...card.input, resolution: 256 } };
      await expect(FindingsModel.create({ onnxPath: smallPath, card: card256 })).rejects.toThrow(
        /input 'input' of .*small\.onnx is float32 \[N,1,224,224\], the card 'test-densenet' needs float32 \[N,1,256,256\]/,
      );
    });

    it('should refuse a model without the feature-map output', async () => {
      const path = await scratch.write('logits-only.onnx', logitsOnlyOnnx());
      await expect(FindingsModel.create({ onnxPath: path, card })).rejects.toThrow(/logits-only\.onnx has no output 'features' \(outputs: logits\)/);
    });

    it('should refuse a model with another number of classes than the card has labels', async () => {
      const path = await scratch.write('17.onnx', buildDenseNetOnnx(createDemoWeights(small, 17, 5), small, 17));
      await expect(FindingsModel.create({ onnxPath: path, card })).rejects.toThrow(/output 'logits' of .*17\.onnx is \[N,17\], the card 'test-densenet' has 18 labels/);
    });

    it('should refuse a thread count that is not a positive integer', async () => {
      await expect(FindingsModel.create({ onnxPath: smallPath, card, intraOpThreads: 0 })).rejects.toThrow(/intraOpThreads must be a positive integer, got 0/);
    });
  });

  describe('failures at run', () => {
    it('should refuse an input of the wrong size, naming which', async () => {
      const model = await FindingsModel.create({ onnxPath: smallPath, card, intraOpThreads: 1 });
      try {
        await expect(model.run([fixtureInput(0), new Float32Array(100)])).rejects.toThrow(/input 1 holds 100 values, the model takes 224×224 = 50176/);
      } finally {
        await model.dispose();
      }
    });
  });
});
