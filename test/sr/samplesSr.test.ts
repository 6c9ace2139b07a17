import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readClassifierWeight } from '../../inference-service/src/cam/index.ts';
import type { ClassifierWeight } from '../../inference-service/src/cam/index.ts';
import { FindingsModel, loadActiveModel } from '../../inference-service/src/model/index.ts';
import { FindingsPipeline } from '../../inference-service/src/pipeline/findingsPipeline.ts';
import { buildImageObjects } from '../../inference-service/src/sr/index.ts';
import { repoRoot } from '../support/paths.ts';
import { dcentvfyErrors, dciodvfyErrors, pixelmedTimeout, pixelmedValidate, removeTempFiles, runTool, writeTemp } from './support.ts';

const samplesDir = join(repoRoot, 'dicom_samples');
const samples = (await readdir(samplesDir)).filter((f) => f.endsWith('.dcm')).sort();
/** PixelMed takes 3–15 s a file here: the templates are checked on one sample, the other validators on all. */
const templateSamples = new Set(samples.slice(0, 1));


/** The objects of every sample `npm start` loads, made by the real pipeline and model, checked by dicom3tools, dcmtk and PixelMed. */
describe('the SRs of every dicom_samples image', () => {
  let pipeline: FindingsPipeline;
  let weight: ClassifierWeight;

  beforeAll(async () => {
    const active = await loadActiveModel();
    pipeline = FindingsPipeline.create(await FindingsModel.create({ onnxPath: active.onnxPath, card: active.card }));
    weight = readClassifierWeight(await readFile(active.onnxPath), active.onnxPath);
  });
  afterAll(async () => {
    await pipeline.model.dispose();
    removeTempFiles();
  });

  it('should cover the samples', () => {
    expect(samples.length).toBeGreaterThanOrEqual(4);
  });

  it.each(samples)('%s: both SRs should pass dciodvfy and dcentvfy with the image, and be read by dsrdump', async (sample) => {
    const imagePath = join(samplesDir, sample);
    const [outcome] = await pipeline.classify([await readFile(imagePath)], { featureMaps: true });
    if (!outcome?.ok) throw new Error(`${sample} was not classified: ${outcome?.error.message}`);
    const { result, report } = buildImageObjects({ classified: outcome, card: pipeline.model.card, classifierWeight: weight });
    const resultPath = writeTemp(`${sample}.tid1500.dcm`, result.part10);
    const reportPath = writeTemp(`${sample}.sr.dcm`, report.part10);
    for (const path of [resultPath, reportPath]) expect(dciodvfyErrors(runTool('dciodvfy', [path]).output), path).toEqual([]);
    expect(dcentvfyErrors([imagePath, reportPath, resultPath])).toEqual([]);
    const dump = runTool('dsrdump', [reportPath]);
    expect(dump.status).toBe(0);
    expect(dump.output).toContain('Diagnostic Imaging Report');
    if (pipeline.model.card.kind === 'demo') expect(dump.output).toContain('DEMO MODEL - not clinically meaningful');
    for (const label of ['Atelectasis', 'Pneumothorax', 'Cardiomegaly']) expect(dump.output).toContain(label);
    const resultDump = runTool('dsrdump', [resultPath]);
    expect(resultDump.status).toBe(0);
    expect(resultDump.output).toContain('Imaging Measurement Report');
    if (templateSamples.has(sample)) {
      for (const [path, template] of [[reportPath, 'TID_2000'], [resultPath, 'TID_1500']] as const) {
        const validation = pixelmedValidate(path);
        expect([validation.rootTemplate, validation.errors, validation.outsideTemplate], path).toEqual([template, [], []]);
      }
    }
  }, pixelmedTimeout);
});
