import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDenseNetOnnx, createDemoWeights, denseNetOnnxNames } from '../../inference-service/src/model/index.ts';
import type { DenseNetArchitecture } from '../../inference-service/src/model/index.ts';
import { createOrtSession, createSessionPool } from '../../inference-service/src/model/ortSession.ts';
import type { OrtSession } from '../../inference-service/src/model/ortSession.ts';
import { fixtureInput } from './fixtureInputs.ts';
import { scratchDir } from './modelFiles.ts';

const small: DenseNetArchitecture = { family: 'densenet', growthRate: 4, blockConfig: [2, 2], numInitFeatures: 8, bnSize: 2, inChannels: 1 };
const fetches = [denseNetOnnxNames.logits, denseNetOnnxNames.features];

function feedsOf(data: Float32Array) {
  return { [denseNetOnnxNames.input]: { data, dims: [1, 1, 224, 224] } };
}

describe('onnxruntime sessions on worker threads', () => {
  let scratch: Awaited<ReturnType<typeof scratchDir>>;
  let onThread: OrtSession;
  let onWorkers: OrtSession;

  beforeAll(async () => {
    scratch = await scratchDir();
    const path = await scratch.write('small.onnx', buildDenseNetOnnx(createDemoWeights(small, 18, 5), small, 18));
    const options = { intraOpNumThreads: 1, interOpNumThreads: 1 };
    [onThread, onWorkers] = await Promise.all([createOrtSession(path, options, 'main'), createSessionPool(path, options, 2)]);
  });
  afterAll(async () => {
    await Promise.all([onThread?.release(), onWorkers?.release()]);
    await scratch?.remove();
  });

  it('should take over a batch its data fills alone, copy one that shares its buffer, and answer both as the calling thread does', async () => {
    const expected = await onThread.run(feedsOf(fixtureInput(1)), fetches);

    const whole = fixtureInput(1);
    const moved = await onWorkers.run(feedsOf(whole), fetches);
    // Moved to the worker, not copied: the caller's buffer is detached.
    expect(whole.byteLength).toBe(0);

    const input = fixtureInput(1);
    const larger = new Float32Array(input.length + 4);
    larger.set(input, 4);
    const view = larger.subarray(4);
    const copied = await onWorkers.run(feedsOf(view), fetches);
    expect(Array.from(view)).toEqual(Array.from(input));

    for (const answer of [moved, copied]) {
      for (const name of fetches) {
        expect(answer[name]?.dims).toEqual(expected[name]?.dims);
        expect(Array.from(answer[name]!.data)).toEqual(Array.from(expected[name]!.data));
      }
    }
  });
});
