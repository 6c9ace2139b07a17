/**
 * The findings panel's readers against what the sidecar really produces: an SR built by the product's
 * own SR code from the real image, written to Part-10 and read back with dcmjs (the naturalised form
 * OHIF's data source holds), and the classify API's JSON shape.
 */
import { describe, expect, it } from 'vitest';
import { readDicomDataset } from '../../inference-service/src/dicom/index.ts';
import { boxOutline } from '../../inference-service/src/sr/measurementReportContent.ts';
import { buildMeasurementReport, findingCodes, findingDisplayName, parametricMapSopClassUid } from '../../inference-service/src/sr/index.ts';
import { imageFindingsFromClassifyResponse } from '../../ohif-extension/src/findings/fromClassifyResponse.ts';
import { imageFindingsFromComprehensiveSr, imageOfFindingsSr } from '../../ohif-extension/src/findings/fromComprehensiveSr.ts';
import { findingConcepts, findingNames } from '../../ohif-extension/src/findings/findingNames.ts';
import { isPositive, orderForReading } from '../../ohif-extension/src/findings/imageFindings.ts';
import { demoCard, findingsFor, onnxShaA, readRealImage, spreadFindings, upstreamCard } from '../sr/support.ts';

const image = readRealImage();

function storedSr(card = demoCard()) {
  const result = findingsFor(image, card, spreadFindings(card.labels));
  const sr = buildMeasurementReport({ image, result, card, now: new Date('2026-11-25T10:00:00Z') });
  return { result, sr, naturalised: readDicomDataset(sr.part10).dataset };
}

describe('findings panel readers', () => {
  describe('the stored TID 1500 result', () => {
    it('should read every finding with its score in percent, the model and the image it is about', () => {
      const { result, sr, naturalised } = storedSr();
      const read = imageFindingsFromComprehensiveSr(naturalised);
      expect(read?.image).toEqual({ StudyInstanceUID: result.StudyInstanceUID, SeriesInstanceUID: result.SeriesInstanceUID, SOPInstanceUID: result.SOPInstanceUID });
      expect(read?.report).toEqual({ StudyInstanceUID: result.StudyInstanceUID, SeriesInstanceUID: sr.SeriesInstanceUID, SOPInstanceUID: sr.SOPInstanceUID });
      expect(read?.model).toMatchObject({ kind: 'demo', version: `${demoCard().id}@${onnxShaA.slice(0, 12)}` });
      expect(read?.model.warning).toMatch(/^DEMO MODEL/);
      const expected = Object.entries(result.findings).map(([label, value]) => ({ name: findingNames[label], score: Number((value * 100).toFixed(2)), operatingPoint: 50 }));
      expect(read?.findings).toEqual(expected);
    });

    it('should read which frame of the Parametric Map holds each positive finding\'s heatmap', () => {
      const card = demoCard();
      const result = findingsFor(image, card, spreadFindings(card.labels));
      const positives = card.labels.filter((label) => (result.findings[label] ?? 0) >= 0.5);
      const region = { x0: 100, y0: 120, x1: 600, y1: 700, level: 0.5, threshold: 1 };
      const map = { StudyInstanceUID: result.StudyInstanceUID, SeriesInstanceUID: '2.25.1', SOPInstanceUID: '2.25.2' };
      const frames = new Map(positives.map((label, i) => [label, i + 1]));
      const sr = buildMeasurementReport({
        image,
        result,
        card,
        regions: new Map(positives.map((label) => [label, region])),
        heatmaps: { reference: { ReferencedSOPClassUID: parametricMapSopClassUid, ReferencedSOPInstanceUID: map.SOPInstanceUID }, SeriesInstanceUID: map.SeriesInstanceUID, frames },
      });
      const read = imageFindingsFromComprehensiveSr(readDicomDataset(sr.part10).dataset);
      expect(read?.heatmap?.ref).toEqual(map);
      expect([...(read?.heatmap?.frames ?? [])]).toEqual(positives.map((label, i) => [findingNames[label], i + 1]));
      // Without a map the result names none.
      expect(imageFindingsFromComprehensiveSr(storedSr().naturalised)?.heatmap).toBeUndefined();
    });

    it("should read each positive finding's region, the SCOORD its group draws on the image, and leave out malformed ones", () => {
      const card = demoCard();
      const result = findingsFor(image, card, spreadFindings(card.labels));
      const positives = card.labels.filter((label) => (result.findings[label] ?? 0) >= 0.5);
      const boxes = new Map(positives.map((label, i) => [label, { x0: 100 + i, y0: 120, x1: 600, y1: 700 - i, level: 0.5, threshold: 1 }]));
      const sr = buildMeasurementReport({ image, result, card, regions: boxes });
      const naturalised = readDicomDataset(sr.part10).dataset;
      const read = imageFindingsFromComprehensiveSr(naturalised);
      expect([...(read?.regions ?? [])]).toEqual(positives.map((label) => [findingNames[label], { graphicType: 'POLYLINE', points: boxOutline(boxes.get(label)!) }]));
      expect(read?.regions?.get(findingNames[positives[0]!]!)?.points[0]).toEqual([100, 120]);
      // Only what is drawn on this image, with as many coordinates as its graphic type needs.
      type Item = Record<string, unknown>;
      const measurements = ((naturalised.ContentSequence as Item[]).find((item) => (item.ConceptNameCodeSequence as Item[])[0]?.CodeValue === '126010')?.ContentSequence ?? []) as Item[];
      const groups = measurements.filter((item) => item.ValueType === 'CONTAINER');
      const scoordOf = (group: Item): Item => (group.ContentSequence as Item[]).find((item) => item.ValueType === 'SCOORD')!;
      const [odd, elsewhere, point] = groups.map(scoordOf);
      odd!.GraphicData = (odd!.GraphicData as number[]).slice(1);
      ((elsewhere!.ContentSequence as Item[])[0]!.ReferencedSOPSequence as Item[])[0]!.ReferencedSOPInstanceUID = '2.25.99';
      Object.assign(point!, { GraphicType: 'POINT', GraphicData: [300, 310] });
      const tampered = imageFindingsFromComprehensiveSr(naturalised);
      expect(tampered?.regions?.has(findingNames[positives[0]!]!)).toBe(false);
      expect(tampered?.regions?.has(findingNames[positives[1]!]!)).toBe(false);
      expect(tampered?.regions?.get(findingNames[positives[2]!]!)).toEqual({ graphicType: 'POINT', points: [[300, 310]] });
      expect(tampered?.regions?.size).toBe(positives.length - 2);
      // Without regions the result has no groups and names none.
      expect(imageFindingsFromComprehensiveSr(storedSr().naturalised)?.regions).toBeUndefined();
    });

    it('should give an upstream model no warning', () => {
      const read = imageFindingsFromComprehensiveSr(storedSr(upstreamCard).naturalised);
      expect(read?.model.kind).toBe('upstream');
      expect(read?.model.warning).toBeUndefined();
    });

    it("should say nothing of an SR that is not ours, or of one whose findings cannot be read", () => {
      const { naturalised } = storedSr();
      // Our readable report is for people: the panel reads the result.
      const foreign = { ...naturalised, ConceptNameCodeSequence: [{ CodeValue: '18748-4', CodingSchemeDesignator: 'LN', CodeMeaning: 'Diagnostic Imaging Report' }] };
      expect(imageOfFindingsSr(foreign)).toBeUndefined();
      expect(imageFindingsFromComprehensiveSr(foreign)).toBeUndefined();
      const noFindings = { ...naturalised, ContentSequence: (naturalised.ContentSequence as Array<Record<string, unknown>>).filter((item) => item.ValueType !== 'CONTAINER') };
      expect(imageFindingsFromComprehensiveSr(noFindings)).toBeUndefined();
      expect(imageFindingsFromComprehensiveSr(undefined)).toBeUndefined();
      expect(imageFindingsFromComprehensiveSr('SR')).toBeUndefined();
    });
  });

  describe("the classify API's answer", () => {
    it('should read the same findings as the SR it stored, named as the SR names them', () => {
      const { result, sr, naturalised } = storedSr();
      const body = {
        model: result.model,
        results: [{ ...result, sr: { StudyInstanceUID: result.StudyInstanceUID, SeriesInstanceUID: sr.SeriesInstanceUID, SOPInstanceUID: sr.SOPInstanceUID, alreadyExisted: false } }],
        skipped: [],
      };
      const [fromApi] = imageFindingsFromClassifyResponse(body, demoCard().name);
      const fromSr = imageFindingsFromComprehensiveSr(naturalised);
      expect(fromApi?.findings.map((f) => f.name)).toEqual(fromSr?.findings.map((f) => f.name));
      for (const [i, finding] of (fromApi?.findings ?? []).entries()) expect(finding.score).toBeCloseTo(fromSr?.findings[i]?.score ?? NaN, 1);
      expect(fromApi?.model).toEqual({ ...fromSr?.model, name: demoCard().name });
      expect(fromApi?.report).toEqual(fromSr?.report);
    });

    it("should read the answer's heatmaps: the map's UIDs and each positive's frame, by the finding's name", () => {
      const { result, sr } = storedSr();
      const map = { StudyInstanceUID: result.StudyInstanceUID, SeriesInstanceUID: '2.25.1', SOPInstanceUID: '2.25.2' };
      const srRef = { StudyInstanceUID: result.StudyInstanceUID, SeriesInstanceUID: sr.SeriesInstanceUID, SOPInstanceUID: sr.SOPInstanceUID, alreadyExisted: false };
      const body = { model: result.model, results: [{ ...result, sr: srRef, heatmaps: { ...map, frames: { Atelectasis: 1, Mass: 2, Nodule: 0 } } }], skipped: [] };
      const [read] = imageFindingsFromClassifyResponse(body);
      expect(read?.heatmap?.ref).toEqual(map);
      // Frame 0 is no frame: left out, never guessed.
      expect([...(read?.heatmap?.frames ?? [])]).toEqual([
        [findingNames.Atelectasis, 1],
        [findingNames.Mass, 2],
      ]);
      const [without] = imageFindingsFromClassifyResponse({ ...body, results: [{ ...result, sr: srRef }] });
      expect(without?.heatmap).toBeUndefined();
    });

    it("should read the answer's regions by the finding's name, as the result's SCOORDs give them, and leave out malformed ones", () => {
      const { result, sr } = storedSr();
      const srRef = { StudyInstanceUID: result.StudyInstanceUID, SeriesInstanceUID: sr.SeriesInstanceUID, SOPInstanceUID: sr.SOPInstanceUID, alreadyExisted: false };
      const box = boxOutline({ x0: 100, y0: 120, x1: 600, y1: 700, level: 0.5, threshold: 1 });
      const regions = {
        Atelectasis: { graphicType: 'POLYLINE', points: box },
        Mass: { graphicType: 'POLYLINE', points: [[1, 2]] },
        Nodule: { graphicType: 'SPLINE', points: box },
        Edema: { graphicType: 'POLYLINE', points: [...box, [1, Number.NaN]] },
        Effusion: { graphicType: 'POINT', points: [[3, 4]] },
      };
      const [read] = imageFindingsFromClassifyResponse({ model: result.model, results: [{ ...result, sr: srRef, regions }], skipped: [] });
      expect([...(read?.regions ?? [])]).toEqual([
        [findingNames.Atelectasis, { graphicType: 'POLYLINE', points: box }],
        [findingNames.Effusion, { graphicType: 'POINT', points: [[3, 4]] }],
      ]);
      const [without] = imageFindingsFromClassifyResponse({ model: result.model, results: [{ ...result, sr: srRef }], skipped: [] });
      expect(without?.regions).toBeUndefined();
    });

    it('should leave out results without findings or image UIDs, and answers without a known model kind', () => {
      const model = { id: 'm', kind: 'demo', onnxSha256: 'ab'.repeat(32) };
      expect(imageFindingsFromClassifyResponse({ model, results: [{ SOPInstanceUID: '1.2', findings: { Mass: 0.2 } }] })).toEqual([]);
      expect(imageFindingsFromClassifyResponse({ model, results: [{ StudyInstanceUID: '1', SeriesInstanceUID: '1.1', SOPInstanceUID: '1.1.1' }] })).toEqual([]);
      expect(imageFindingsFromClassifyResponse({ model: { ...model, kind: 'real' }, results: [] })).toEqual([]);
      expect(imageFindingsFromClassifyResponse(null)).toEqual([]);
    });
  });

  describe('names and order', () => {
    it("should name and code every label as the sidecar's SRs do", () => {
      expect(findingNames).toEqual(Object.fromEntries(Object.keys(findingCodes).map((label) => [label, findingDisplayName(label)])));
      expect(findingConcepts).toEqual(Object.fromEntries(Object.entries(findingCodes).map(([label, code]) => [label, `${code.CodingSchemeDesignator}:${code.CodeValue}`])));
    });

    it('should put the findings at or above their operating point first, each group by its distance from it', () => {
      const findings = [
        { name: 'a', score: 12, operatingPoint: 50 },
        { name: 'b', score: 63, operatingPoint: 50 },
        { name: 'c', score: 50, operatingPoint: 50 },
        { name: 'd', score: 49.9, operatingPoint: 50 },
      ];
      expect(orderForReading(findings).map((f) => f.name)).toEqual(['b', 'c', 'd', 'a']);
      expect(findings.filter(isPositive).map((f) => f.name)).toEqual(['b', 'c']);
    });
  });
});
