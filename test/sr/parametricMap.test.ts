import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { camImage, computeCams, readClassifierWeight } from '../../inference-service/src/cam/index.ts';
import type { ClassifierWeight } from '../../inference-service/src/cam/index.ts';
import { readDicomDataset } from '../../inference-service/src/dicom/index.ts';
import type { DicomDataset } from '../../inference-service/src/dicom/index.ts';
import { FindingsModel, loadActiveModel } from '../../inference-service/src/model/index.ts';
import type { ModelCard } from '../../inference-service/src/model/index.ts';
import { FindingsPipeline } from '../../inference-service/src/pipeline/findingsPipeline.ts';
import type { ClassifiedImage } from '../../inference-service/src/pipeline/findingsPipeline.ts';
import { buildImageObjects, findingDisplayName, operatingPoint, parametricMapSopClassUid, parametricMapUids, readFindingsSrIdentity } from '../../inference-service/src/sr/index.ts';
import type { ImageObjects, ParametricMap } from '../../inference-service/src/sr/index.ts';
import { expectFastEncoding } from '../support/fastEncoding.ts';
import { writePart10WithDcmjs } from '../../inference-service/src/dicom/writePart10.ts';
import { realJpegBaselineDcm } from '../support/paths.ts';
import { dcentvfyErrors, dciodvfyErrors, removeTempFiles, runTool, spreadFindings, writeTemp } from './support.ts';

function items(value: unknown): DicomDataset[] {
  return Array.isArray(value) ? (value as DicomDataset[]) : [];
}

/** Every content item of a tree, depth first. */
function allItems(dataset: DicomDataset): DicomDataset[] {
  return items(dataset['ContentSequence']).flatMap((item) => [item, ...allItems(item)]);
}

interface PydicomRead {
  readonly shape: number[];
  readonly min: number;
  readonly max: number;
  readonly labels: string[];
  /** The value of frame f at cells[f] ([row, column]). */
  readonly at: number[];
}

/** The frames as pydicom decodes them (an independent reader): shape, range, labels, values at given cells. */
function readWithPydicom(path: string, cells: ReadonlyArray<readonly [number, number]> = []): PydicomRead {
  const script = [
    'import json, sys, pydicom',
    'ds = pydicom.dcmread(sys.argv[1])',
    'a = ds.pixel_array.reshape((int(ds.NumberOfFrames), ds.Rows, ds.Columns))',
    'labels = [str(f.FrameContentSequence[0].FrameLabel) for f in ds.PerFrameFunctionalGroupsSequence]',
    'at = [float(a[f][r][c]) for f, (r, c) in enumerate(json.loads(sys.argv[2]))]',
    'print(json.dumps({"shape": list(a.shape), "min": float(a.min()), "max": float(a.max()), "labels": labels, "at": at}))',
  ].join('\n');
  // Debian's interpreter: python3-pydicom (tooling/setup/debianPackages.ts) is installed for it.
  const { status, output } = runTool('/usr/bin/python3', ['-c', script, path, JSON.stringify(cells)]);
  if (status !== 0) throw new Error(`pydicom could not read ${path}: ${output}`);
  return JSON.parse(output) as PydicomRead;
}

const now = new Date('2026-11-25T10:20:30Z');

describe('the heatmaps of the real SIIM image as a Parametric Map, from the real model', () => {
  let pipeline: FindingsPipeline;
  let card: ModelCard;
  let weight: ClassifierWeight;
  let classified: ClassifiedImage;
  let objects: ImageObjects;
  let heatmaps: ParametricMap;
  let stored: DicomDataset;
  let paths: { image: string; heatmaps: string; result: string; report: string };
  let positives: string[];

  beforeAll(async () => {
    const active = await loadActiveModel();
    card = active.card;
    pipeline = FindingsPipeline.create(await FindingsModel.create({ onnxPath: active.onnxPath, card }));
    weight = readClassifierWeight(await readFile(active.onnxPath), active.onnxPath);
    const [outcome] = await pipeline.classify([await readFile(realJpegBaselineDcm)], { featureMaps: true });
    if (!outcome?.ok) throw new Error(`the real image was not classified: ${outcome?.error.message}`);
    // Scores spread over [0, 1], so that the positives do not depend on which model is active.
    const findings = spreadFindings(card.labels);
    classified = { ...outcome, result: { ...outcome.result, findings } };
    positives = card.labels.filter((label) => (findings[label] ?? 0) >= operatingPoint);
    objects = buildImageObjects({ classified, card, classifierWeight: weight, now });
    if (!objects.heatmaps) throw new Error('no heatmaps were built for an image with positive findings');
    heatmaps = objects.heatmaps;
    stored = readDicomDataset(heatmaps.part10).dataset;
    paths = {
      image: realJpegBaselineDcm,
      heatmaps: writeTemp('heatmaps.dcm', heatmaps.part10),
      result: writeTemp('result.dcm', objects.result.part10),
      report: writeTemp('report.dcm', objects.report.part10),
    };
  });
  afterAll(async () => {
    await pipeline.model.dispose();
    removeTempFiles();
  });

  it('should pass dciodvfy as a Parametric Map with no errors, and dcentvfy with the image and both SRs as one study', () => {
    const { output } = runTool('dciodvfy', [paths.heatmaps]);
    expect(output).toContain('ParametricMap');
    expect(dciodvfyErrors(output)).toEqual([]);
    expect(dcentvfyErrors([paths.image, paths.report, paths.result, paths.heatmaps])).toEqual([]);
  });

  it('should be read by dcmtk and pydicom: one float32 frame per positive finding, labelled, with values 0 to 1', () => {
    const { status, output } = runTool('dcmdump', ['+P', 'SOPClassUID', '+P', 'NumberOfFrames', '+P', 'BitsAllocated', paths.heatmaps]);
    expect(status).toBe(0);
    expect(output).toContain('ParametricMapStorage');
    expect(output).toContain(`IS [${positives.length}]`);
    const read = readWithPydicom(paths.heatmaps);
    expect(read.shape).toEqual([positives.length, stored['Rows'], stored['Columns']]);
    expect(read.labels).toEqual(positives.map(findingDisplayName));
    // Cells sample the CAM at their centres, so they come within a hair of its 0 minimum and 1 peak.
    expect(read.min).toBeGreaterThanOrEqual(0);
    expect(read.min).toBeLessThan(0.01);
    expect(read.max).toBeLessThanOrEqual(1);
    expect(read.max).toBeGreaterThan(0.95);
  });

  it('should cover the whole image in at most 128 cells a side, its spacing the image spacing times the cell size', () => {
    expect(stored['SOPClassUID']).toBe(parametricMapSopClassUid);
    expect([stored['Rows'], stored['Columns']]).toEqual([128, 128]); // the real image is 1024²
    const shared = items(stored['SharedFunctionalGroupsSequence'])[0] ?? {};
    const spacing = items(shared['PixelMeasuresSequence'])[0]?.['PixelSpacing'] as number[];
    expect(spacing[0]).toBeCloseTo(0.168 * 8, 9);
    expect(spacing[1]).toBeCloseTo(0.168 * 8, 9);
    // The first cell's centre: image pixel (3.5, 3.5).
    const position = items(items(stored['PerFrameFunctionalGroupsSequence'])[0]?.['PlanePositionSequence'])[0]?.['ImagePositionPatient'] as number[];
    expect(position.map((v) => Number(v.toFixed(9)))).toEqual([0.588, 0.588, 0]);
    const source = items(items(shared['DerivationImageSequence'])[0]?.['SourceImageSequence'])[0];
    expect(source).toMatchObject({ ReferencedSOPInstanceUID: classified.result.SOPInstanceUID, SpatialLocationsPreserved: 'NO' });
    expect(items(stored['ReferencedSeriesSequence'])[0]).toMatchObject({ SeriesInstanceUID: classified.result.SeriesInstanceUID });
  });

  it("should hold each finding's CAM where computeCams puts its peak, and map its values to themselves (RWVM)", () => {
    const findings = positives.map((label) => card.labels.indexOf(label));
    const { prepared } = classified;
    const size = { width: prepared.width, height: prepared.height };
    const cams = computeCams(classified.featureMaps!, weight, prepared.input.crop, size, { findings });
    // A cell covers 8×8 image pixels: the cell holding each CAM's peak pixel is near 1 (its centre is ≤ 4 px away).
    const read = readWithPydicom(paths.heatmaps, cams.map((cam) => [Math.floor(cam.peak.y / 8), Math.floor(cam.peak.x / 8)] as const));
    expect(read.at).toHaveLength(positives.length);
    for (const value of read.at) expect(value).toBeGreaterThan(0.95);
    const frames = items(stored['PerFrameFunctionalGroupsSequence']);
    expect(frames).toHaveLength(positives.length);
    for (const frame of frames) {
      expect(items(frame['RealWorldValueMappingSequence'])[0]).toMatchObject({
        RealWorldValueSlope: 1,
        RealWorldValueIntercept: 0,
        DoubleFloatRealWorldValueFirstValueMapped: 0,
        DoubleFloatRealWorldValueLastValueMapped: 1,
      });
    }
    // camImage at the image's own size agrees with the stored cells at their centres.
    const full = camImage(cams[0]!, prepared.input.crop, size);
    const frameBytes = 128 * 128 * 4;
    const end = heatmaps.part10.byteLength;
    const cells = new Float32Array(heatmaps.part10.slice(end - frameBytes * positives.length, end - frameBytes * (positives.length - 1)).buffer);
    for (const [v, u] of [[5, 5], [64, 64], [100, 32]] as const) {
      // Cell (v, u)'s centre is image pixel (8u + 3.5, 8v + 3.5): between the four pixels around it.
      const around = [0, 1].flatMap((dy) => [0, 1].map((dx) => full[(v * 8 + 3 + dy) * 1024 + u * 8 + 3 + dx] ?? Number.NaN));
      expect(cells[v * 128 + u]).toBeCloseTo(around.reduce((a, b) => a + b) / 4, 2);
    }
  });

  it("should be referenced from the TID 1500 result: each positive's group points at its frame, the map listed as evidence", () => {
    const result = readDicomDataset(objects.result.part10).dataset;
    const illustrations = allItems(result).filter((item) => items(item['ConceptNameCodeSequence'])[0]?.['CodeValue'] === '121200');
    expect(illustrations).toHaveLength(positives.length);
    const frames = illustrations.map((item) => items(item['ReferencedSOPSequence'])[0]);
    expect(frames.map((ref) => ref?.['ReferencedSOPInstanceUID'])).toEqual(positives.map(() => heatmaps.SOPInstanceUID));
    expect(frames.map((ref) => ref?.['ReferencedFrameNumber']).sort()).toEqual(positives.map((label) => heatmaps.frames.get(label)).sort());
    const evidence = items(items(items(result['PertinentOtherEvidenceSequence'])[0]?.['ReferencedSeriesSequence'])[0]?.['ReferencedSOPSequence'])[0];
    expect(evidence).toMatchObject({ ReferencedSOPClassUID: parametricMapSopClassUid, ReferencedSOPInstanceUID: heatmaps.SOPInstanceUID });
    const { output } = runTool('dciodvfy', [paths.result]);
    expect(dciodvfyErrors(output)).toEqual([]);
  });

  it('should have the same UIDs every time for the same image and model, and be recognised as ours', () => {
    const again = buildImageObjects({ classified, card, classifierWeight: weight, now: new Date('2027-01-01T00:00:00Z') });
    expect(again.heatmaps?.SOPInstanceUID).toBe(heatmaps.SOPInstanceUID);
    expect(again.heatmaps?.SeriesInstanceUID).toBe(heatmaps.SeriesInstanceUID);
    const uids = parametricMapUids(classified.result.SOPInstanceUID, classified.result.model.onnxSha256);
    expect(uids).toEqual({ SOPInstanceUID: heatmaps.SOPInstanceUID, SeriesInstanceUID: heatmaps.SeriesInstanceUID });
    expect(heatmaps.SeriesInstanceUID).not.toBe(objects.result.SeriesInstanceUID);
    expect(readFindingsSrIdentity(stored)).toEqual({
      referencedSOPInstanceUID: classified.result.SOPInstanceUID,
      modelId: card.id,
      onnxSha256: classified.result.model.onnxSha256,
    });
  });

  it('should encode as dcmjs encodes the whole data set, followed by the pixels', () => {
    const whole = writePart10WithDcmjs(heatmaps.dataset);
    const pixels = heatmaps.part10.subarray(whole.length + 12);
    expect(Buffer.from(heatmaps.part10.subarray(0, whole.length)).equals(Buffer.from(whole))).toBe(true);
    expect(pixels.length).toBe(128 * 128 * 4 * positives.length);
    // (7FE0,0008) OF, reserved, the length: Float Pixel Data's header.
    expect([...heatmaps.part10.subarray(whole.length, whole.length + 8)]).toEqual([0xe0, 0x7f, 0x08, 0x00, 0x4f, 0x46, 0, 0]);
    expectFastEncoding(heatmaps.dataset);
  });

  describe('when no finding reaches its operating point', () => {
    it('should build no heatmaps object, and the result should reference none', () => {
      const negatives = Object.fromEntries(card.labels.map((label) => [label, 0.1]));
      const none = buildImageObjects({ classified: { ...classified, result: { ...classified.result, findings: negatives } }, card, classifierWeight: weight, now });
      expect(none.heatmaps).toBeUndefined();
      expect(none.result.dataset['PertinentOtherEvidenceSequence']).toBeUndefined();
    });
  });
});
