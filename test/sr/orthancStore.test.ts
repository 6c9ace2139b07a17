import { readFileSync } from 'node:fs';
import dcmjs from 'dcmjs';
import type { DcmjsDict } from 'dcmjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DicomDataset } from '../../inference-service/src/dicom/index.ts';
import { buildFindingsSr, findingDisplayName, findingsSrUids, readFindingsSrIdentity } from '../../inference-service/src/sr/index.ts';
import { startTestOrthanc } from '../support/orthanc.ts';
import type { TestOrthanc } from '../support/orthanc.ts';
import { realJpegBaselineDcm } from '../support/paths.ts';
import { findingsFor, onnxShaA, readRealImage, spreadFindings, upstreamCard } from './support.ts';

/** What the sidecar relies on: Orthanc stores our SR, keeps one per (image, model), and serves it over DICOMweb. */
// The SR is stored (twice) before any test: each test then reads what Orthanc holds, in any order.
describe('findings SR in a real Orthanc', () => {
  let orthanc: TestOrthanc;
  let statuses: string[];
  const image = readRealImage();
  const result = findingsFor(image, upstreamCard, spreadFindings(upstreamCard.labels));
  const studyUid = image['StudyInstanceUID'] as string;

  beforeAll(async () => {
    orthanc = await startTestOrthanc();
    await orthanc.client.uploadInstance(new Uint8Array(readFileSync(realJpegBaselineDcm)));
    const first = buildFindingsSr({ image, result, card: upstreamCard, now: new Date('2026-11-25T10:00:00Z') });
    const second = buildFindingsSr({ image, result, card: upstreamCard, now: new Date('2026-11-25T11:00:00Z') });
    statuses = [(await orthanc.client.uploadInstance(first.part10)).Status, (await orthanc.client.uploadInstance(second.part10)).Status];
  });

  afterAll(async () => {
    await orthanc?.stop();
  });

  describe('when the SR of one image is stored twice, built at different times', () => {
    it('should be stored once: the second upload is AlreadyStored', () => {
      expect(statuses).toEqual(['Success', 'AlreadyStored']);
    });

    it("should sit alone in a new series of the image's study", async () => {
      const srs = await orthanc.client.findInstances({ Query: { StudyInstanceUID: studyUid, Modality: 'SR' } });
      expect(srs).toHaveLength(1);
      const { SeriesInstanceUID, SOPInstanceUID } = findingsSrUids(image['SOPInstanceUID'] as string, onnxShaA);
      expect(srs[0]?.MainDicomTags['SOPInstanceUID']).toBe(SOPInstanceUID);
      const seriesId = await orthanc.client.seriesIdByUid(SeriesInstanceUID);
      expect(seriesId).toBeDefined();
      expect(await orthanc.client.seriesInstances(seriesId ?? '')).toHaveLength(1);
      const study = await orthanc.client.study((await orthanc.client.studyIdByUid(studyUid)) ?? '');
      expect(study.Series).toHaveLength(2);
    });
  });

  describe("when read back as Orthanc's simplified tags", () => {
    it('should be recognised as the SR of this image and model', async () => {
      const instanceId = await orthanc.client.instanceIdByUid(findingsSrUids(image['SOPInstanceUID'] as string, onnxShaA).SOPInstanceUID);
      const tags = (await orthanc.client.instanceTags(instanceId ?? '')) as unknown as DicomDataset;
      expect(readFindingsSrIdentity(tags)).toEqual({
        referencedSOPInstanceUID: image['SOPInstanceUID'],
        modelId: upstreamCard.id,
        onnxSha256: onnxShaA,
      });
    });
  });

  describe('when read back over DICOMweb (WADO-RS metadata)', () => {
    let dataset: DicomDataset;

    beforeAll(async () => {
      const { SeriesInstanceUID, SOPInstanceUID } = findingsSrUids(image['SOPInstanceUID'] as string, onnxShaA);
      const response = await fetch(`${orthanc.url}/dicom-web/studies/${studyUid}/series/${SeriesInstanceUID}/instances/${SOPInstanceUID}/metadata`, {
        headers: {
          Accept: 'application/dicom+json',
          Authorization: `Basic ${Buffer.from(`${orthanc.credentials.username}:${orthanc.credentials.password}`).toString('base64')}`,
        },
      });
      expect(response.status).toBe(200);
      const [json] = (await response.json()) as DcmjsDict[];
      // The DICOM JSON model (PS3.18 F.2) is dcmjs's denaturalized form: naturalize it as the reader does.
      dataset = dcmjs.data.DicomMetaDictionary.naturalizeDataset(json ?? {});
    });

    it('should still be recognised as the SR of this image and model', () => {
      expect(readFindingsSrIdentity(dataset)).toEqual({
        referencedSOPInstanceUID: image['SOPInstanceUID'],
        modelId: upstreamCard.id,
        onnxSha256: onnxShaA,
      });
    });

    it('should carry the 18 findings as Finding TEXT items of the Findings container', () => {
      const root = dataset['ContentSequence'] as DicomDataset[];
      const findings = root.find((item) => (item['ConceptNameCodeSequence'] as DicomDataset[])[0]?.['CodeValue'] === '121070');
      const texts = (findings?.['ContentSequence'] as DicomDataset[]).map((item) => item['TextValue']);
      expect(texts).toEqual(upstreamCard.labels.map((label) => expect.stringMatching(new RegExp(`^${findingDisplayName(label).replace(/[()]/g, '\\$&')}: \\d+\\.\\d\\d %`))));
    });
  });
});
