import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readClassifierWeight } from '../../inference-service/src/cam/index.ts';
import type { ClassifierWeight } from '../../inference-service/src/cam/index.ts';
import { readDicomDataset } from '../../inference-service/src/dicom/index.ts';
import { sequenceItemBytes } from '../../inference-service/src/dicom/appendSequenceItems.ts';
import { expectFastEncoding } from '../support/fastEncoding.ts';
import { encodeDataSetWithDcmjs, writePart10WithDcmjs } from '../../inference-service/src/dicom/writePart10.ts';
import { encodeContentItems } from '../../inference-service/src/sr/encodeSr.ts';
import type { DicomDataset } from '../../inference-service/src/dicom/index.ts';
import { FindingsModel, loadActiveModel } from '../../inference-service/src/model/index.ts';
import { FindingsPipeline } from '../../inference-service/src/pipeline/findingsPipeline.ts';
import type { ClassifiedImage } from '../../inference-service/src/pipeline/findingsPipeline.ts';
import {
  buildImageObjects,
  buildMeasurementReport,
  findingCode,
  findingsSrUids,
  measurementReportUids,
  readFindingsSrIdentity,
  readStoredFindings,
  trackingUid,
} from '../../inference-service/src/sr/index.ts';
import type { ImageObjects } from '../../inference-service/src/sr/index.ts';
import { realJpegBaselineDcm } from '../support/paths.ts';
import { dcentvfyErrors, dciodvfyErrors, demoCard, findingsFor, pixelmedTimeout, pixelmedValidate, removeTempFiles, runTool, spreadFindings, syntheticImage, writeTemp } from './support.ts';

function items(value: unknown): DicomDataset[] {
  return Array.isArray(value) ? (value as DicomDataset[]) : [];
}

function concept(item: DicomDataset, sequence = 'ConceptNameCodeSequence'): DicomDataset | undefined {
  return items(item[sequence])[0];
}

function child(parent: DicomDataset, meaning: string): DicomDataset | undefined {
  return items(parent['ContentSequence']).find((item) => concept(item)?.['CodeMeaning'] === meaning);
}

const now = new Date('2026-11-25T10:20:30Z');

describe('the TID 1500 result of the real SIIM image, with regions from the real model', () => {
  let pipeline: FindingsPipeline;
  let weight: ClassifierWeight;
  let classified: ClassifiedImage;
  let objects: ImageObjects;
  let result: DicomDataset;
  let resultPath: string;
  let reportPath: string;
  // Scores spread over [0, 1], so that the positives do not depend on which model is active.
  let findings: Record<string, number>;

  beforeAll(async () => {
    const active = await loadActiveModel();
    pipeline = FindingsPipeline.create(await FindingsModel.create({ onnxPath: active.onnxPath, card: active.card }));
    weight = readClassifierWeight(await readFile(active.onnxPath), active.onnxPath);
    const [outcome] = await pipeline.classify([await readFile(realJpegBaselineDcm)], { featureMaps: true });
    if (!outcome?.ok) throw new Error(`the real image was not classified: ${outcome?.error.message}`);
    findings = spreadFindings(active.card.labels);
    classified = { ...outcome, result: { ...outcome.result, findings } };
    objects = buildImageObjects({ classified, card: active.card, classifierWeight: weight, now });
    result = readDicomDataset(objects.result.part10).dataset;
    resultPath = writeTemp('result.dcm', objects.result.part10);
    reportPath = writeTemp('report.dcm', objects.report.part10);
  });
  afterAll(async () => {
    await pipeline.model.dispose();
    removeTempFiles();
  });

  it('should conform to TID 1500, the template it declares, by PixelMed: no errors, no item outside it', () => {
    expect(items(result['ContentTemplateSequence'])[0]).toMatchObject({ MappingResource: 'DCMR', TemplateIdentifier: '1500' });
    const validation = pixelmedValidate(resultPath);
    expect(validation.rootTemplate).toBe('TID_1500');
    expect(validation.errors).toEqual([]);
    expect(validation.outsideTemplate).toEqual([]);
  }, pixelmedTimeout);

  it('should pass dciodvfy as a Comprehensive SR, and dcentvfy with the image and the readable report as one study', () => {
    const { output } = runTool('dciodvfy', [resultPath]);
    expect(output).toContain('ComprehensiveSR');
    expect(dciodvfyErrors(output)).toEqual([]);
    expect(dcentvfyErrors([realJpegBaselineDcm, reportPath, resultPath])).toEqual([]);
  });

  it('should be titled Imaging Measurement Report with a CID 100 procedure, and its own series', () => {
    expect(concept(result)).toMatchObject({ CodeValue: '126000', CodingSchemeDesignator: 'DCM' });
    expect(concept(child(result, 'Procedure reported') ?? {}, 'ConceptCodeSequence')).toMatchObject({ CodeValue: '363679005', CodingSchemeDesignator: 'SCT' });
    const uids = measurementReportUids(classified.result.SOPInstanceUID, classified.result.model.onnxSha256);
    expect([result['SOPInstanceUID'], result['SeriesInstanceUID']]).toEqual([uids.SOPInstanceUID, uids.SeriesInstanceUID]);
    expect(uids.SeriesInstanceUID).not.toBe(findingsSrUids(classified.result.SOPInstanceUID, classified.result.model.onnxSha256).SeriesInstanceUID);
    expect(result['SeriesNumber']).not.toBe(readDicomDataset(objects.report.part10).dataset['SeriesNumber']);
  });

  it('should list the source image in its image library', () => {
    const library = child(result, 'Image Library');
    const [image] = items(child(library ?? {}, 'Image Library Group')?.['ContentSequence']);
    expect(items(image?.['ReferencedSOPSequence'])[0]).toMatchObject({ ReferencedSOPInstanceUID: classified.result.SOPInstanceUID });
  });

  it('should have one measurement group per finding at or above the operating point, each with its region on the source image', () => {
    const labels = pipeline.model.card.labels;
    const positives = labels.filter((label) => (findings[label] ?? 0) >= 0.5);
    expect(positives.length).toBeGreaterThan(0);
    const measurements = child(result, 'Imaging Measurements') ?? {};
    const groups = items(measurements['ContentSequence']).filter((item) => concept(item)?.['CodeMeaning'] === 'Measurement Group');
    expect(groups).toHaveLength(positives.length);
    for (const [i, group] of groups.entries()) {
      const label = positives[i] ?? '';
      expect(concept(child(group, 'Finding') ?? {}, 'ConceptCodeSequence')).toMatchObject({ CodeValue: findingCode(label).CodeValue });
      expect(child(group, 'Tracking Unique Identifier')?.['UID']).toBe(trackingUid(classified.result.SOPInstanceUID, classified.result.model.onnxSha256, label));
      expect(typeof child(group, 'Tracking Identifier')?.['TextValue']).toBe('string');
      const num = child(group, 'Certainty of Finding') ?? {};
      const [measured] = items(num['MeasuredValueSequence']);
      expect(Number(measured?.['NumericValue'])).toBeCloseTo((findings[label] ?? NaN) * 100, 2);
      expect(concept(measured ?? {}, 'MeasurementUnitsCodeSequence')).toMatchObject({ CodeValue: '%', CodingSchemeDesignator: 'UCUM' });
      const region = child(group, 'Image Region') ?? {};
      expect(region).toMatchObject({ ValueType: 'SCOORD', GraphicType: 'POLYLINE' });
      const points = region['GraphicData'] as number[];
      expect(points).toHaveLength(10);
      expect(points.slice(0, 2)).toEqual(points.slice(8, 10)); // closed
      const [columns, rows] = [classified.prepared.width, classified.prepared.height];
      for (let p = 0; p < points.length; p += 2) {
        expect(points[p]).toBeGreaterThanOrEqual(0);
        expect(points[p]).toBeLessThanOrEqual(columns);
        expect(points[p + 1]).toBeGreaterThanOrEqual(0);
        expect(points[p + 1]).toBeLessThanOrEqual(rows);
      }
      const [selectedFrom] = items(region['ContentSequence']);
      expect(selectedFrom).toMatchObject({ RelationshipType: 'SELECTED FROM', ValueType: 'IMAGE' });
      expect(items(selectedFrom?.['ReferencedSOPSequence'])[0]).toMatchObject({ ReferencedSOPInstanceUID: classified.result.SOPInstanceUID });
      // The form OHIF's cornerstone adapters hydrate: the score's NUM INFERRED FROM the same region.
      const [inferredFrom, ...more] = items(num['ContentSequence']);
      expect(more).toEqual([]);
      expect(inferredFrom).toMatchObject({ RelationshipType: 'INFERRED FROM', ValueType: 'SCOORD', GraphicType: 'POLYLINE', GraphicData: points });
      expect(items(items(inferredFrom?.['ContentSequence'])[0]?.['ReferencedSOPSequence'])[0]).toMatchObject({ ReferencedSOPInstanceUID: classified.result.SOPInstanceUID });
    }
    const lesion = groups.find((g) => concept(child(g, 'Finding') ?? {}, 'ConceptCodeSequence')?.['CodeValue'] === '52988006');
    if (positives.includes('Lung Lesion')) expect(concept(child(lesion ?? {}, 'Finding Site') ?? {}, 'ConceptCodeSequence')).toMatchObject({ CodeValue: '39607008' });
    expect(items(measurements['ContentSequence']).find((item) => concept(item)?.['CodeMeaning'] === 'Algorithm Name')?.['RelationshipType']).toBe('HAS CONCEPT MOD');
  });

  it('should code every finding Present or Absent at the operating point, and read back to the same scores', () => {
    const evaluations = items(child(result, 'Qualitative Evaluations')?.['ContentSequence']);
    for (const label of pipeline.model.card.labels) {
      const code = evaluations.find((item) => item['ValueType'] === 'CODE' && concept(item)?.['CodeValue'] === findingCode(label).CodeValue);
      expect(concept(code ?? {}, 'ConceptCodeSequence')?.['CodeMeaning'], label).toBe((findings[label] ?? 0) >= 0.5 ? 'Present' : 'Absent');
    }
    const readBack = readStoredFindings(result, pipeline.model.card.labels);
    for (const label of pipeline.model.card.labels) expect(readBack?.[label], label).toBeCloseTo(findings[label] ?? NaN, 4);
  });

  it('should be recognised as ours for this image and model', () => {
    expect(readFindingsSrIdentity(result)).toEqual({
      referencedSOPInstanceUID: classified.result.SOPInstanceUID,
      modelId: pipeline.model.card.id,
      onnxSha256: classified.result.model.onnxSha256,
    });
  });

  describe('when read back from a tampered result', () => {
    it('should give nothing rather than a score that disagrees with the coded result', () => {
      const evaluations = child(result, 'Qualitative Evaluations') ?? {};
      const flipped = items(evaluations['ContentSequence']).map((item) =>
        item['ValueType'] === 'TEXT' && concept(item)?.['CodeValue'] === findingCode('Atelectasis').CodeValue ? { ...item, TextValue: 'Certainty of Finding: 99.00 %' } : item,
      );
      const tampered = {
        ...result,
        ContentSequence: items(result['ContentSequence']).map((item) => (item === evaluations ? { ...item, ContentSequence: flipped } : item)),
      };
      expect(readStoredFindings(tampered, pipeline.model.card.labels)).toBeUndefined();
      expect(readStoredFindings(readDicomDataset(objects.report.part10).dataset, pipeline.model.card.labels)).toBeUndefined();
    });
  });
});

describe('the TID 1500 result, encoded from templates', () => {
  it('should be the bytes dcmjs writes, whatever the image, scores, regions and heatmap reference', async () => {
    const active = await loadActiveModel();
    const card = active.card;
    const real = readDicomDataset(await readFile(realJpegBaselineDcm)).dataset;
    const heatmaps = {
      reference: { ReferencedSOPClassUID: '1.2.840.10008.5.1.4.1.1.30', ReferencedSOPInstanceUID: '2.25.123456789012345678901234567890' },
      SeriesInstanceUID: '2.25.98765432109876543210',
      frames: new Map(card.labels.map((label, i) => [label, i + 1])),
    };
    const seen = new Set<string>();
    for (const [n, image] of [real, syntheticImage(), real].entries()) {
      // Scores over [0, 1] shifted per case, and regions of every size from one pixel to the whole image.
      const findings = Object.fromEntries(card.labels.map((label, i) => [label, ((i * 7 + n * 3) % 18) / 17]));
      const regions = new Map(card.labels.map((label, i) => [label, { x0: i, y0: 2 * i, x1: i + (n === 1 ? 0 : 1000 + i), y1: 3 * i + 5, level: 0.5, threshold: 0.1 }]));
      const sr = buildMeasurementReport({ image, result: findingsFor(image, card, findings), card, regions, ...(n === 2 ? {} : { heatmaps }), now });
      const content = items(sr.dataset['ContentSequence']);
      const fromTemplates = encodeContentItems(content);
      const fromDcmjs = sequenceItemBytes(encodeDataSetWithDcmjs({ ContentSequence: content }), 0x0040, 0xa730);
      expect(fromTemplates, 'every item fits a template').toBeDefined();
      expect(fromDcmjs).toBeDefined();
      expect(Buffer.from(fromTemplates ?? []).equals(Buffer.from(fromDcmjs ?? []))).toBe(true);
      expect(Buffer.from(sr.part10).equals(Buffer.from(writePart10WithDcmjs(sr.dataset)))).toBe(true);
        expectFastEncoding(sr.dataset);
      seen.add(Buffer.from(sr.part10).toString('base64'));
    }
    expect(seen.size).toBe(3);
  });
});

describe('the TID 1500 result of a demo model without regions', () => {
  it('should still conform to TID 1500, with image-level results only', () => {
    const image = syntheticImage();
    const card = demoCard();
    const sr = buildMeasurementReport({ image, result: findingsFor(image, card, spreadFindings(card.labels)), card, now });
    const path = writeTemp('demo-result.dcm', sr.part10);
    const validation = pixelmedValidate(path);
    expect([validation.rootTemplate, validation.errors, validation.outsideTemplate]).toEqual(['TID_1500', [], []]);
    expect(dciodvfyErrors(runTool('dciodvfy', [path]).output)).toEqual([]);
    const measurements = child(sr.dataset, 'Imaging Measurements') ?? {};
    expect(items(measurements['ContentSequence']).filter((item) => item['ValueType'] === 'CONTAINER')).toEqual([]);
    expect(sr.dataset['SeriesDescription']).toBe('CXR result (AI) - DEMO MODEL - not clinically meaningful');
    removeTempFiles();
  }, pixelmedTimeout);
});
