import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FindingsModel, loadActiveModel } from '../../inference-service/src/model/index.ts';
import { FindingsPipeline } from '../../inference-service/src/pipeline/findingsPipeline.ts';
import { buildFindingsSr } from '../../inference-service/src/sr/index.ts';
import { repoRoot } from '../support/paths.ts';
import { dciodvfyErrors, removeTempFiles, runTool, writeTemp } from './support.ts';

const samplesDir = join(repoRoot, 'dicom_samples');
const samples = (await readdir(samplesDir)).filter((f) => f.endsWith('.dcm')).sort();

/** The SR of every sample `npm start` loads, made by the real pipeline and model, checked by dicom3tools and dcmtk. */
describe('the findings SR of every dicom_samples image', () => {
  let pipeline: FindingsPipeline;

  beforeAll(async () => {
    const active = await loadActiveModel();
    pipeline = FindingsPipeline.create(await FindingsModel.create({ onnxPath: active.onnxPath, card: active.card }));
  });
  afterAll(async () => {
    await pipeline.model.dispose();
    removeTempFiles();
  });

  it('should cover the samples', () => {
    expect(samples.length).toBeGreaterThanOrEqual(4);
  });

  it.each(samples)('%s: should pass dciodvfy with no errors and be read by dsrdump', async (sample) => {
    const [outcome] = await pipeline.classify([await readFile(join(samplesDir, sample))]);
    if (!outcome?.ok) throw new Error(`${sample} was not classified: ${outcome?.error.message}`);
    const sr = buildFindingsSr({ image: outcome.prepared.dataset, result: outcome.result, card: pipeline.model.card });
    const path = writeTemp(`${sample}.sr.dcm`, sr.part10);
    const verify = runTool('dciodvfy', [path]);
    expect(dciodvfyErrors(verify.output)).toEqual([]);
    const dump = runTool('dsrdump', [path]);
    expect(dump.status).toBe(0);
    expect(dump.output).toContain(pipeline.model.card.kind === 'demo' ? 'DEMO MODEL - not clinically meaningful - chest X-ray findings' : 'Diagnostic Imaging Report');
    for (const label of ['Atelectasis', 'Pneumothorax', 'Cardiomegaly']) expect(dump.output).toContain(label);
  });
});
