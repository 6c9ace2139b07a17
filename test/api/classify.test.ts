import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SidecarParts } from '../../inference-service/src/sidecar.ts';
import { readDicomDataset } from '../../inference-service/src/dicom/index.ts';
import { findingDisplayName, operatingPoint, parametricMapSopClassUid, parametricMapUids } from '../../inference-service/src/sr/index.ts';
import type { ClassifyReport } from '../../inference-service/src/service/types.ts';
import { distinctCopies } from '../support/orthanc.ts';
import { auth, errorOf, postJson, readPydicomFile, readRealImage, rgbRadiograph, startHarness, type Harness } from './harness.ts';

const imageStudy = '1.2.276.0.7230010.3.1.2.8323329.6904.1517875201.850818';
const imageSeries = '1.2.276.0.7230010.3.1.3.8323329.6904.1517875201.850817';
const imageSop = '1.2.276.0.7230010.3.1.4.8323329.6904.1517875201.850819';
const ctStudy = '1.3.6.1.4.1.5962.1.2.1.20040119072730.12322';

type DicomJson = Record<string, { vr: string; Value?: unknown[] }>;

/** The value of a DICOM JSON (PS3.18 F.2) attribute by tag, e.g. '0040A730'. */
function values(item: DicomJson, tag: string): unknown[] {
  return item[tag]?.Value ?? [];
}

function codeValue(item: DicomJson): string | undefined {
  const concept = values(item, '0040A043')[0] as DicomJson | undefined;
  return concept ? (values(concept, '00080100')[0] as string) : undefined;
}

async function srSeriesOfStudy(h: Harness, StudyInstanceUID: string) {
  const studyId = await h.orthanc.client.studyIdByUid(StudyInstanceUID);
  if (!studyId) throw new Error(`study ${StudyInstanceUID} not in Orthanc`);
  const series = await h.orthanc.client.findSeries({ Query: { StudyInstanceUID, Modality: 'SR' } });
  return series;
}

// Its tests are the steps of scenarios against one server, each building on the last: they run in
// order, while files (and the tests of other files) run shuffled.
describe('POST /api/classify', { shuffle: false }, () => {
  let h: Harness;
  let sidecar: SidecarParts;

  beforeAll(async () => {
    h = await startHarness();
    sidecar = h.build();
    await h.orthanc.client.uploadInstance(await readRealImage());
  });

  afterAll(async () => {
    await h?.stop();
  });

  describe('the real chest X-ray stored in Orthanc', () => {
    let report: ClassifyReport;

    it('should classify it by study UID and store exactly one SR in a new series of the same study', async () => {
      const response = await postJson(sidecar, '/api/classify', { studyInstanceUID: imageStudy });
      expect(response.status).toBe(200);
      report = (await response.json()) as ClassifyReport;

      expect(report.model.kind).toBe(h.pipeline.model.card.kind);
      expect(report.model.onnxSha256).toMatch(/^[0-9a-f]{64}$/);
      expect(report.results).toHaveLength(1);
      const [result] = report.results;
      expect(result?.SOPInstanceUID).toBe(imageSop);
      expect(Object.keys(result?.findings ?? {})).toEqual(h.pipeline.model.card.labels);
      for (const p of Object.values(result?.findings ?? {})) {
        expect(p).toBeGreaterThanOrEqual(0);
        expect(p).toBeLessThanOrEqual(1);
      }
      expect(result?.sr.alreadyExisted).toBe(false);
      expect(result?.sr.StudyInstanceUID).toBe(imageStudy);
      expect(result?.sr.SeriesInstanceUID).not.toBe(imageSeries);
      expect(result?.timingsMs.total).toBeGreaterThan(0);

      // Two SR series: the TID 1500 result and the readable report, one instance each.
      const srSeries = await srSeriesOfStudy(h, imageStudy);
      expect(srSeries.map((s) => s.MainDicomTags.SeriesInstanceUID).sort()).toEqual([result?.sr.SeriesInstanceUID, result?.report.SeriesInstanceUID].sort());
      expect(srSeries.map((s) => s.Instances.length)).toEqual([1, 1]);
    });

    it('should store the positive findings\' heatmaps as one Parametric Map beside the SRs, or none without a positive', async () => {
      const result = report.results[0];
      const positives = Object.entries(result?.findings ?? {}).filter(([, p]) => p >= operatingPoint);
      const uids = parametricMapUids(imageSop, report.model.onnxSha256);
      const id = await h.orthanc.client.instanceIdByUid(uids.SOPInstanceUID);
      if (positives.length === 0) {
        expect(id).toBeUndefined();
        return;
      }
      if (!id) throw new Error('the heatmaps are not in Orthanc');
      const tags = await h.orthanc.client.instanceTags(id);
      expect(tags).toMatchObject({ SOPClassUID: parametricMapSopClassUid, SeriesInstanceUID: uids.SeriesInstanceUID, StudyInstanceUID: imageStudy });
      expect(Number(tags['NumberOfFrames'])).toBe(positives.length);
      const frames = (tags['PerFrameFunctionalGroupsSequence'] as Array<{ FrameContentSequence: Array<{ FrameLabel: string }> }>).map((f) => f.FrameContentSequence[0]?.FrameLabel);
      expect(frames).toEqual(positives.map(([label]) => findingDisplayName(label)));
      // The answer names the map and its frames, as the result does.
      expect(result?.heatmaps).toEqual({ ...uids, StudyInstanceUID: imageStudy, frames: Object.fromEntries(positives.map(([label], i) => [label, i + 1])) });
      // The result read back names this map in each positive's group (121200 Illustration of ROI).
      const stored = readDicomDataset(await h.orthanc.client.instanceFile((await h.orthanc.client.instanceIdByUid(result?.sr.SOPInstanceUID ?? ''))!)).dataset;
      expect(JSON.stringify(stored['PertinentOtherEvidenceSequence'])).toContain(uids.SOPInstanceUID);
    });

    it("should name each positive finding's region in the answer exactly as the stored result draws it (SCOORD)", async () => {
      const result = report.results[0];
      const positives = Object.entries(result?.findings ?? {}).filter(([, p]) => p >= operatingPoint).map(([label]) => label);
      const stored = readDicomDataset(await h.orthanc.client.instanceFile((await h.orthanc.client.instanceIdByUid(result?.sr.SOPInstanceUID ?? ''))!)).dataset;
      type Item = Record<string, unknown>;
      const groups = ((stored['ContentSequence'] as Item[]) ?? [])
        .flatMap((item) => (item['ContentSequence'] as Item[] | undefined) ?? [])
        .filter((item) => (item['ConceptNameCodeSequence'] as Item[] | undefined)?.[0]?.['CodeValue'] === '125007');
      // The group's Tracking Identifier is the finding's display name; its SCOORD, the region.
      const drawn = Object.fromEntries(
        groups.map((group) => {
          const children = group['ContentSequence'] as Item[];
          const name = children.find((item) => (item['ConceptNameCodeSequence'] as Item[])[0]?.['CodeValue'] === '112039')?.['TextValue'];
          const scoord = children.find((item) => item['ValueType'] === 'SCOORD');
          const data = (scoord?.['GraphicData'] as number[]).map(Number);
          return [name, { graphicType: scoord?.['GraphicType'], points: Array.from({ length: data.length / 2 }, (_, i) => [data[2 * i], data[2 * i + 1]]) }];
        }),
      );
      expect(positives.length, 'the demo model has positives on the real image').toBeGreaterThan(0);
      expect(Object.keys(result?.regions ?? {})).toEqual(positives);
      expect(Object.fromEntries(Object.entries(result?.regions ?? {}).map(([label, region]) => [findingDisplayName(label), region]))).toEqual(drawn);
      for (const region of Object.values(result?.regions ?? {})) {
        expect(region.points).toHaveLength(5);
        expect(region.points[4]).toEqual(region.points[0]);
      }
    });

    it('should store an SR whose content items read back over DICOMweb WADO-RS metadata', async () => {
      const sr = report.results[0]?.sr;
      const url = `${h.orthanc.url}/dicom-web/studies/${imageStudy}/series/${sr?.SeriesInstanceUID}/instances/${sr?.SOPInstanceUID}/metadata`;
      const basic = Buffer.from(`${h.orthanc.credentials.username}:${h.orthanc.credentials.password}`).toString('base64');
      const response = await fetch(url, { headers: { Authorization: `Basic ${basic}`, Accept: 'application/dicom+json' } });
      expect(response.status).toBe(200);
      const [metadata] = (await response.json()) as DicomJson[];
      if (!metadata) throw new Error('no metadata');

      expect(values(metadata, '00080060')).toEqual(['SR']);
      // The AI result: TID 1500's Imaging Measurement Report.
      expect(codeValue(metadata)).toBe('126000');
      const evidence = values(metadata, '0040A375')[0] as DicomJson;
      const evidenceSeries = values(evidence, '00081115')[0] as DicomJson;
      const evidenceSop = values(evidenceSeries, '00081199')[0] as DicomJson;
      expect(values(evidenceSop, '00081155')).toEqual([imageSop]);

      const content = values(metadata, '0040A730') as DicomJson[];
      const evaluations = content.find((item) => codeValue(item) === 'C0034375');
      if (!evaluations) throw new Error('no Qualitative Evaluations container (C0034375, UMLS)');
      const children = values(evaluations, '0040A730') as DicomJson[];
      expect(children.filter((item) => values(item, '0040A040')[0] === 'CODE')).toHaveLength(18);
      const texts = children.filter((item) => values(item, '0040A040')[0] === 'TEXT');
      expect(texts).toHaveLength(18);
      const findings = report.results[0]?.findings ?? {};
      const percents = texts.map((item) => Number(/: (\d+\.\d+) %$/.exec(String(values(item, '0040A160')[0]))?.[1]));
      const expected = Object.values(findings).map((p) => p * 100);
      expect(percents.toSorted((a, b) => a - b)).toEqual(expected.toSorted((a, b) => a - b).map((v) => expect.closeTo(v, 1)));
    });

    it('should answer a second request with the existing SR and do no work', async () => {
      const storedBefore = await sidecar.metrics.srsStored.get();
      const classifiedBefore = await sidecar.metrics.imagesClassified.get();
      const response = await postJson(sidecar, '/api/classify', { studyInstanceUID: imageStudy, sopInstanceUID: imageSop });
      expect(response.status).toBe(200);
      const again = (await response.json()) as ClassifyReport;
      expect(again.results[0]?.sr).toEqual({ ...report.results[0]?.sr, alreadyExisted: true });
      const computed = report.results[0]?.findings ?? {};
      expect(Object.keys(again.results[0]?.findings ?? {})).toEqual(Object.keys(computed));
      for (const [label, p] of Object.entries(again.results[0]?.findings ?? {})) expect(p).toBeCloseTo(computed[label] ?? Number.NaN, 4);
      // Read back, not made now: the viewer takes the heatmaps and regions from the stored result.
      expect(again.results[0]?.heatmaps).toBeUndefined();
      expect(again.results[0]?.regions).toBeUndefined();
      expect((await sidecar.metrics.srsStored.get()).values).toEqual(storedBefore.values);
      expect((await sidecar.metrics.imagesClassified.get()).values).toEqual(classifiedBefore.values);
      expect(await srSeriesOfStudy(h, imageStudy)).toHaveLength(2);
    });

    it('should make one SR for concurrent identical requests', async () => {
      const [copy] = distinctCopies(await readRealImage(), 1);
      if (!copy) throw new Error('no copy');
      const { dataset } = readDicomDataset(copy);
      const sop = dataset.SOPInstanceUID as string;
      await h.orthanc.client.uploadInstance(copy);
      const before = (await srSeriesOfStudy(h, imageStudy)).length;

      const responses = await Promise.all(
        Array.from({ length: 5 }, () => postJson(sidecar, '/api/classify', { studyInstanceUID: imageStudy, sopInstanceUID: sop })),
      );
      const reports = (await Promise.all(responses.map((r) => r.json()))) as ClassifyReport[];
      expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
      const srUids = new Set(reports.map((r) => r.results[0]?.sr.SOPInstanceUID));
      expect(srUids.size).toBe(1);
      expect(await srSeriesOfStudy(h, imageStudy)).toHaveLength(before + 2);
    });

    it('should make one SR when two sidecars (no shared memory) classify the same image at once', async () => {
      const [, copy] = distinctCopies(await readRealImage(), 2);
      if (!copy) throw new Error('no copy');
      const sop = readDicomDataset(copy).dataset.SOPInstanceUID as string;
      await h.orthanc.client.uploadInstance(copy);
      const before = (await srSeriesOfStudy(h, imageStudy)).length;
      const other = h.build();

      const responses = await Promise.all([sidecar, other].map((s) => postJson(s, '/api/classify', { studyInstanceUID: imageStudy, sopInstanceUID: sop })));
      const reports = (await Promise.all(responses.map((r) => r.json()))) as ClassifyReport[];
      expect(responses.map((r) => r.status)).toEqual([200, 200]);
      expect(reports[0]?.results[0]?.sr.SOPInstanceUID).toBe(reports[1]?.results[0]?.sr.SOPInstanceUID);
      expect(await srSeriesOfStudy(h, imageStudy)).toHaveLength(before + 2);
    });

    it('should classify every image of a study and skip the SRs and heatmaps in it with their reason', async () => {
      const response = await postJson(sidecar, '/api/classify', { studyInstanceUID: imageStudy });
      expect(response.status).toBe(200);
      const whole = (await response.json()) as ClassifyReport;
      expect(whole.results).toHaveLength(3);
      expect(whole.results.every((r) => r.sr.alreadyExisted)).toBe(true);
      const withHeatmaps = whole.results.filter((r) => Object.values(r.findings ?? {}).some((p) => p >= operatingPoint)).length;
      expect(whole.skipped).toHaveLength(6 + withHeatmaps);
      expect(whole.skipped.filter((s) => /structured report/.test(s.reason))).toHaveLength(6);
      expect(whole.skipped.filter((s) => s.reason.includes(`SOP class ${parametricMapSopClassUid} is not a projection radiograph`))).toHaveLength(withHeatmaps);
    });
  });

  describe('a request narrowed to a series', () => {
    it('should take only the images of that series', async () => {
      const response = await postJson(sidecar, '/api/classify', { studyInstanceUID: imageStudy, seriesInstanceUID: imageSeries });
      expect(response.status).toBe(200);
      const report = (await response.json()) as ClassifyReport;
      expect(report.results).toHaveLength(3);
      expect(report.results.every((r) => r.SeriesInstanceUID === imageSeries)).toBe(true);
      expect(report.skipped).toEqual([]);
    });

    it('should answer 404 when the instance named is not in the series named', async () => {
      const [srSeries] = await srSeriesOfStudy(h, imageStudy);
      const srSeriesUid = srSeries?.MainDicomTags.SeriesInstanceUID ?? '';
      const error = await errorOf(await postJson(sidecar, '/api/classify', { studyInstanceUID: imageStudy, seriesInstanceUID: srSeriesUid, sopInstanceUID: imageSop }));
      expect(error).toEqual({ status: 404, code: 'not-found', message: `Instance ${imageSop} is not in series ${srSeriesUid}` });
    });
  });

  describe('requests that cannot be served', () => {
    it('should answer 404 naming an unknown study UID', async () => {
      const error = await errorOf(await postJson(sidecar, '/api/classify', { studyInstanceUID: '1.2.3.4.5' }));
      expect(error).toEqual({ status: 404, code: 'not-found', message: 'Study 1.2.3.4.5 is not in Orthanc' });
    });

    it('should answer 404 naming an unknown instance UID in a known study', async () => {
      const error = await errorOf(await postJson(sidecar, '/api/classify', { studyInstanceUID: imageStudy, sopInstanceUID: '1.2.3.999' }));
      expect(error).toMatchObject({ status: 404, code: 'not-found', message: expect.stringContaining('1.2.3.999') });
    });

    it('should answer 404 when the instance is not in the study named', async () => {
      await h.orthanc.client.uploadInstance(await readPydicomFile('CT_small.dcm'));
      const error = await errorOf(await postJson(sidecar, '/api/classify', { studyInstanceUID: ctStudy, sopInstanceUID: imageSop }));
      expect(error).toMatchObject({ status: 404, message: `Instance ${imageSop} is not in study ${ctStudy}` });
    });

    it('should answer 422 with the reason for a CT study', async () => {
      const error = await errorOf(await postJson(sidecar, '/api/classify', { studyInstanceUID: ctStudy }));
      expect(error).toMatchObject({ status: 422, code: 'ineligible' });
      expect(error.message).toMatch(/study 1\.3\.6\.1\.4\.1\.5962.*SOP class 1\.2\.840\.10008\.5\.1\.4\.1\.1\.2 is not a projection radiograph/);
    });

    it('should answer 422 with the reason for an RGB image', async () => {
      const rgb = await rgbRadiograph();
      await h.orthanc.client.uploadInstance(rgb);
      const { dataset } = readDicomDataset(rgb);
      const error = await errorOf(await postJson(sidecar, '/api/classify', { studyInstanceUID: dataset.StudyInstanceUID }));
      expect(error).toMatchObject({ status: 422, code: 'ineligible', message: expect.stringMatching(/photometric interpretation RGB is not MONOCHROME1 or MONOCHROME2/) });
    });

    it('should answer 400 for malformed JSON', async () => {
      const error = await errorOf(await postJson(sidecar, '/api/classify', '{"studyInstanceUID": '));
      expect(error).toEqual({ status: 400, code: 'malformed-json', message: 'Malformed JSON in request body' });
    });

    it('should answer 400 naming a missing field', async () => {
      const error = await errorOf(await postJson(sidecar, '/api/classify', { seriesInstanceUID: imageSeries }));
      expect(error).toMatchObject({ status: 400, code: 'invalid-request', message: expect.stringContaining("Field 'studyInstanceUID'") });
    });

    it('should answer 400 naming a field that is not a UID', async () => {
      const error = await errorOf(await postJson(sidecar, '/api/classify', { studyInstanceUID: imageStudy, sopInstanceUID: '1.02.x' }));
      expect(error).toMatchObject({ status: 400, message: expect.stringMatching(/^Field 'sopInstanceUID' must be a DICOM UID/) });
    });

    it('should refuse a field it does not know, such as a URL to fetch from', async () => {
      const error = await errorOf(await postJson(sidecar, '/api/classify', { studyInstanceUID: imageStudy, url: 'http://elsewhere/' }));
      expect(error).toMatchObject({ status: 400, code: 'invalid-request', message: expect.stringContaining('url') });
    });

    it('should answer 415 for a body that is not JSON', async () => {
      const response = await sidecar.app.request('/api/classify', { method: 'POST', headers: { ...auth, 'Content-Type': 'text/plain' }, body: imageStudy });
      expect(await errorOf(response)).toMatchObject({ status: 415, code: 'unsupported-media-type' });
    });

    it('should answer 413 for a body over the JSON limit', async () => {
      const huge = JSON.stringify({ studyInstanceUID: imageStudy, padding: 'x'.repeat(100_000) });
      const error = await errorOf(await postJson(sidecar, '/api/classify', huge));
      expect(error).toMatchObject({ status: 413, code: 'payload-too-large' });
    });

    it('should keep serving after all of these', async () => {
      const response = await postJson(sidecar, '/api/classify', { studyInstanceUID: imageStudy, sopInstanceUID: imageSop });
      expect(response.status).toBe(200);
    });
  });
});
