/**
 * By hand, not in CI: the full-size DenseNet-121 made by
 *   /usr/bin/python3 scripts/reference/make_densenet_fixture.py --full DIR
 * built to ONNX here and compared with PyTorch's outputs, then timed on onnxruntime.
 *   npx tsx test/model/fullSizeCheck.ts DIR
 */
import { performance } from 'node:perf_hooks';
import { buildDenseNetOnnx, FindingsModel } from '../../inference-service/src/model/index.ts';
import { readDenseNetFixture } from './densenetFixture.ts';
import { fixtureInput } from './fixtureInputs.ts';
import { cardWith, scratchDir } from './modelFiles.ts';

const dir = process.argv[2];
if (!dir) throw new Error('usage: npx tsx test/model/fullSizeCheck.ts DIR (written by make_densenet_fixture.py --full DIR)');

const fixture = await readDenseNetFixture(dir, 'full');
let t0 = performance.now();
const bytes = buildDenseNetOnnx(fixture.weights, fixture.architecture, fixture.numClasses);
console.log(`build: ${(performance.now() - t0).toFixed(0)} ms, ${(bytes.length / 1e6).toFixed(2)} MB`);

const scratch = await scratchDir();
const onnxPath = await scratch.write('full.onnx', bytes);
t0 = performance.now();
const model = await FindingsModel.create({ onnxPath, card: await cardWith(fixture.architecture), intraOpThreads: 2 });
console.log(`session load: ${(performance.now() - t0).toFixed(0)} ms`);

const inputs = [0, 1, 2].map(fixtureInput);
const out = await model.run(inputs, { featureMaps: true });
let probability = 0;
let logit = 0;
let feature = 0;
let featureScale = 0;
out.probabilities.forEach((p, i) => p.forEach((v, j) => (probability = Math.max(probability, Math.abs(v - (fixture.probabilities[i]?.[j] ?? NaN))))));
out.logits.forEach((p, i) => p.forEach((v, j) => (logit = Math.max(logit, Math.abs(v - (fixture.logits[i]?.[j] ?? NaN))))));
out.featureMaps?.forEach((maps, i) =>
  maps.data.forEach((v, j) => {
    const expected = fixture.features[i * maps.data.length + j] ?? NaN;
    feature = Math.max(feature, Math.abs(v - expected));
    featureScale = Math.max(featureScale, Math.abs(expected));
  }),
);
console.log(`max |ORT − PyTorch|: probabilities ${probability.toExponential(2)}, logits ${logit.toExponential(2)}, features ${feature.toExponential(2)} (${(feature / featureScale).toExponential(2)} of max ${featureScale.toFixed(3)})`);
console.log('PyTorch probabilities, image 0:', fixture.probabilities[0]?.map((v) => v.toFixed(3)).join(' '));

for (const batch of [1, 8]) {
  const images = Array.from({ length: batch }, (_, i) => inputs[i % 3] ?? new Float32Array());
  for (let i = 0; i < 3; i++) await model.run(images);
  const rounds = batch === 1 ? 40 : 8;
  for (const featureMaps of [false, true]) {
    t0 = performance.now();
    for (let i = 0; i < rounds; i++) await model.run(images, { featureMaps });
    const ms = (performance.now() - t0) / (rounds * batch);
    console.log(`ORT 2 threads, batch ${batch}${featureMaps ? ' + feature maps' : ''}: ${ms.toFixed(1)} ms/image`);
  }
}
await model.dispose();
await scratch.remove();
