import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDicomDataset, readDicomImage } from '../../inference-service/src/dicom/index.ts';
import { writePart10 } from '../../inference-service/src/dicom/writePart10.ts';
import { FindingsModel, loadActiveModel } from '../../inference-service/src/model/index.ts';
import { ClassifyError } from '../../inference-service/src/pipeline/classifyError.ts';
import { FindingsPipeline, type ClassifyOutcome } from '../../inference-service/src/pipeline/findingsPipeline.ts';
import { PreparePool } from '../../inference-service/src/pipeline/preparePool.ts';
import { realJpegBaselineDcm, realMonochrome1Dcm } from '../support/paths.ts';

function probabilities(outcome: ClassifyOutcome | undefined): number[] {
  if (!outcome?.ok) throw new Error(`expected a classified image, got ${outcome ? outcome.error.message : 'nothing'}`);
  return Object.values(outcome.result.findings);
}

describe('FindingsPipeline', () => {
  let pipeline: FindingsPipeline;
  let pa: Uint8Array;
  let mono1: Uint8Array;
  const notDicom = new TextEncoder().encode('this is not a DICOM file');

  beforeAll(async () => {
    const active = await loadActiveModel();
    pipeline = FindingsPipeline.create(await FindingsModel.create({ onnxPath: active.onnxPath, card: active.card }), { maxBatch: 2 });
    pa = await readFile(realJpegBaselineDcm);
    mono1 = await readFile(realMonochrome1Dcm);
  });
  afterAll(async () => {
    await pipeline.model.dispose();
  });

  describe('classify on a mixed batch', () => {
    it('should give an error outcome for the bad file and results for the others, in order', async () => {
      const outcomes = await pipeline.classify([pa, notDicom, mono1]);
      expect(outcomes.map((o) => o.ok)).toEqual([true, false, true]);
      const bad = outcomes[1];
      expect(bad?.ok === false && bad.error).toBeInstanceOf(ClassifyError);
      expect(bad?.ok === false && bad.error.code).toBe('unreadable-dicom');
      // The MONOCHROME1 twin reads as the negative image, so the model sees something else.
      expect(probabilities(outcomes[0])).not.toEqual(probabilities(outcomes[2]));
    });
  });

  describe('classifyChunks, preparing one chunk while the model runs the previous one', () => {
    it('should yield the same outcomes, chunk by chunk and in order, as classify does', async () => {
      const chunks = [[pa], [mono1, notDicom], [pa, mono1]];
      const yielded: ClassifyOutcome[][] = [];
      for await (const outcomes of pipeline.classifyChunks(chunks)) yielded.push(outcomes);
      expect(yielded.map((c) => c.length)).toEqual([1, 2, 2]);
      const alone = await pipeline.classify([pa, mono1]);
      expect(probabilities(yielded[0]?.[0])).toEqual(probabilities(alone[0]));
      expect(probabilities(yielded[1]?.[0])).toEqual(probabilities(alone[1]));
      expect(yielded[1]?.[1]?.ok).toBe(false);
      expect(probabilities(yielded[2]?.[1])).toEqual(probabilities(alone[1]));
    });
  });

  describe('the folder path: throughput layout and a prepare pool', () => {
    let folder: FindingsPipeline;
    beforeAll(async () => {
      const active = await loadActiveModel();
      const model = await FindingsModel.create({ onnxPath: active.onnxPath, card: active.card, layout: 'throughput' });
      folder = FindingsPipeline.create(model, { maxBatch: 2, preparePool: PreparePool.create({ resolution: active.card.input.resolution, size: 2 }) });
    });
    afterAll(async () => {
      await folder?.dispose();
    });

    it('should yield, in order, what the calling-thread path gives, chunks overlapping', async () => {
      const chunks = [[pa, mono1], [notDicom, pa], [mono1], [pa, pa]];
      const yielded: ClassifyOutcome[][] = [];
      for await (const outcomes of folder.classifyChunks(chunks)) yielded.push(outcomes);
      const reference = await pipeline.classify(chunks.flat());
      const flat = yielded.flat();
      expect(yielded.map((c) => c.length)).toEqual([2, 2, 1, 2]);
      expect(flat.map((o) => o.ok)).toEqual(reference.map((o) => o.ok));
      flat.forEach((outcome, i) => {
        if (!outcome.ok) {
          expect(outcome.error.code).toBe('unreadable-dicom');
          return;
        }
        const want = probabilities(reference[i]);
        probabilities(outcome).forEach((p, k) => expect(Math.abs(p - want[k]!)).toBeLessThan(1e-5));
      });
    });

    it('should go on taking chunks while an earlier one is still in the model, yielding in order and holding a bounded number', async () => {
      // The first chunk spends tens of ms in the model; the others fail in their reading and finish at once.
      const chunks = [[pa, pa], ...Array.from({ length: 11 }, () => [notDicom])];
      let pulled = 0;
      async function* counted(): AsyncGenerator<Uint8Array[]> {
        for (const chunk of chunks) {
          pulled += 1;
          yield chunk;
        }
      }
      const pulledAtYield: number[] = [];
      const yielded: ClassifyOutcome[][] = [];
      for await (const outcomes of folder.classifyChunks(counted())) {
        pulledAtYield.push(pulled);
        yielded.push(outcomes);
      }
      const inWork = folder.model.parallelRuns + 2;
      // Waiting on the first chunk in order stopped at `inWork` chunks taken; finished ones free their place,
      // up to as many again kept for their turn.
      expect(pulledAtYield[0]).toBe(2 * inWork);
      expect(yielded.map((c) => c.length)).toEqual(chunks.map((c) => c.length));
      expect(yielded[0]?.map((o) => o.ok)).toEqual([true, true]);
      expect(yielded.slice(1).every((c) => c[0]?.ok === false)).toBe(true);
    });

    it('should prepare on a worker exactly what the calling thread prepares, header included', async () => {
      const [onWorker, here] = await Promise.all([folder.prepare(pa), pipeline.prepare(pa)]);
      expect(Array.from(onWorker.input.tensor)).toEqual(Array.from(here.input.tensor));
      expect(onWorker.input.crop).toEqual(here.input.crop);
      expect(onWorker.dataset.SOPInstanceUID).toBe(here.dataset.SOPInstanceUID);
      expect(onWorker.dataset.PatientName).toEqual(JSON.parse(JSON.stringify(here.dataset.PatientName)));
      expect(onWorker.dataset.PixelData).toBeUndefined();
    });

    it('should bring a file’s failure back from the worker as the same ClassifyError', async () => {
      const error = await folder.prepare(notDicom).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ClassifyError);
      expect(error).toMatchObject({ code: 'unreadable-dicom', message: expect.stringMatching(/not a DICOM Part-10 file/) });
    });
  });

  describe('eligibility', () => {
    it('should refuse an image whose header says it is not a radiograph, unless told not to check', async () => {
      const image = await readDicomImage(pa);
      const { dataset } = readDicomDataset(pa);
      const ct = writePart10({
        ...dataset,
        SOPClassUID: '1.2.840.10008.5.1.4.1.1.2',
        Modality: 'CT',
        BitsAllocated: 8,
        BitsStored: 8,
        HighBit: 7,
        PixelData: [image.frame.pixels.slice().buffer],
        _vrMap: { PixelData: 'OB' },
      });
      const [checked] = await pipeline.classify([ct]);
      expect(checked?.ok === false && checked.error.code).toBe('ineligible');
      expect(checked?.ok === false && checked.error.message).toMatch(/SOP class 1\.2\.840\.10008\.5\.1\.4\.1\.1\.2 is not a projection radiograph/);
      const [forced] = await pipeline.classify([ct], { checkEligibility: false });
      expect(forced?.ok).toBe(true);
    });
  });
});
