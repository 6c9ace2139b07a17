/**
 * Writes example.dsrdump.txt and example.tid1500.dsrdump.txt: the dsrdump of the readable report and
 * of the TID 1500 result the product makes for the real SIIM image with the active model (regions from
 * its class activation maps), so a reader can see both without running anything. Not a test; run by hand:
 *   npx tsx test/sr/makeExampleDump.ts
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readClassifierWeight } from '../../inference-service/src/cam/index.ts';
import { FindingsModel, loadActiveModel } from '../../inference-service/src/model/index.ts';
import { FindingsPipeline } from '../../inference-service/src/pipeline/findingsPipeline.ts';
import { buildImageObjects } from '../../inference-service/src/sr/index.ts';
import { realJpegBaselineDcm } from '../support/paths.ts';
import { removeTempFiles, writeTemp } from './support.ts';

const active = await loadActiveModel();
const pipeline = FindingsPipeline.create(await FindingsModel.create({ onnxPath: active.onnxPath, card: active.card }));
const [outcome] = await pipeline.classify([readFileSync(realJpegBaselineDcm)], { featureMaps: true });
if (!outcome?.ok) throw new Error(`the real image was not classified: ${outcome?.error.message}`);
const classifierWeight = readClassifierWeight(readFileSync(active.onnxPath), active.onnxPath);
const objects = buildImageObjects({ classified: outcome, card: active.card, classifierWeight, now: new Date('2026-11-25T10:00:00Z') });
await pipeline.model.dispose();
const here = dirname(fileURLToPath(import.meta.url));
for (const [name, sr] of [['example.dsrdump.txt', objects.report], ['example.tid1500.dsrdump.txt', objects.result]] as const) {
  const dump = spawnSync('dsrdump', ['+Pc', '+Pl', writeTemp(`${name}.dcm`, sr.part10)], { encoding: 'utf8' });
  if (dump.status !== 0) throw new Error(`dsrdump failed: ${dump.stderr}`);
  writeFileSync(join(here, name), dump.stdout);
}
removeTempFiles();
