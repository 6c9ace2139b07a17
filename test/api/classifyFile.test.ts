import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SidecarParts } from '../../inference-service/src/sidecar.ts';
import { readDicomDataset } from '../../inference-service/src/dicom/index.ts';
import { readFindingsSrIdentity } from '../../inference-service/src/sr/index.ts';
import type { ClassifiedFile } from '../../inference-service/src/service/types.ts';
import { largeNativeImage } from '../support/hostileDicom.ts';
import { errorOf, postDicom, readPydicomFile, readRealImage, rgbRadiograph, startHarness, type Harness } from './harness.ts';

const imageSop = '1.2.276.0.7230010.3.1.4.8323329.6904.1517875201.850819';

describe('POST /api/classify/file', () => {
  let h: Harness;
  let sidecar: SidecarParts;

  beforeAll(async () => {
    h = await startHarness();
    sidecar = h.build({ bodyLimitBytes: 1024 * 1024 });
  });

  afterAll(async () => {
    await h?.stop();
  });

  describe('the real chest X-ray uploaded', () => {
    it('should return 18 findings and the SR as Part-10 bytes that name the image and the model', async () => {
      const response = await postDicom(sidecar, await readRealImage());
      expect(response.status).toBe(200);
      const body = (await response.json()) as ClassifiedFile;
      expect(body.SOPInstanceUID).toBe(imageSop);
      expect(Object.keys(body.findings)).toEqual(h.pipeline.model.card.labels);
      expect(body.model.id).toBe(h.pipeline.model.card.id);

      const part10 = new Uint8Array(Buffer.from(body.sr.part10Base64, 'base64'));
      expect(Buffer.from(part10.subarray(128, 132)).toString('latin1')).toBe('DICM');
      const { dataset } = readDicomDataset(part10);
      expect(dataset.SOPInstanceUID).toBe(body.sr.SOPInstanceUID);
      expect(dataset.Modality).toBe('SR');
      expect(readFindingsSrIdentity(dataset)).toMatchObject({ referencedSOPInstanceUID: imageSop, onnxSha256: body.model.onnxSha256 });
    });

    it('should store nothing in Orthanc', async () => {
      expect(await h.orthanc.client.findInstances({ Query: {} })).toEqual([]);
    });

    it('should say a demo model is a demo', async () => {
      const body = (await (await postDicom(sidecar, await readRealImage())).json()) as ClassifiedFile;
      if (h.pipeline.model.card.kind === 'demo') expect(body.model.warning).toMatch(/DEMO MODEL/);
      else expect(body.model.kind).toBe(h.pipeline.model.card.kind);
    });
  });

  describe('uploads that cannot be classified', () => {
    it('should answer 400 not-dicom for a file that is not DICOM', async () => {
      const error = await errorOf(await postDicom(sidecar, new TextEncoder().encode('this is a text file, not an image\n'.repeat(20))));
      expect(error).toMatchObject({ status: 400, code: 'not-dicom' });
    });

    it('should answer 400 for an empty body', async () => {
      const error = await errorOf(await postDicom(sidecar, new Uint8Array()));
      expect(error).toMatchObject({ status: 400, code: 'invalid-request', message: expect.stringMatching(/body is empty/) });
    });

    it('should answer 422 for a CT image, saying why', async () => {
      const error = await errorOf(await postDicom(sidecar, await readPydicomFile('CT_small.dcm')));
      expect(error).toMatchObject({ status: 422, code: 'ineligible', message: expect.stringMatching(/is not a projection radiograph/) });
    });

    it('should answer 422 for an RGB image, saying why', async () => {
      const error = await errorOf(await postDicom(sidecar, await rgbRadiograph()));
      expect(error).toMatchObject({ status: 422, code: 'ineligible', message: expect.stringMatching(/RGB is not MONOCHROME1 or MONOCHROME2/) });
    });

    it('should answer 413 for a body over the configured limit', async () => {
      const error = await errorOf(await postDicom(sidecar, new Uint8Array(1024 * 1024 + 1)));
      expect(error).toMatchObject({ status: 413, code: 'payload-too-large', message: expect.stringContaining('1 MB') });
    });

    it('should answer 415 for another media type', async () => {
      const response = await sidecar.app.request('/api/classify/file', {
        method: 'POST',
        headers: { Authorization: 'Bearer test-token-0123456789abcdef', 'Content-Type': 'image/png' },
        body: new Uint8Array(8),
      });
      expect(await errorOf(response)).toMatchObject({ status: 415, message: expect.stringContaining('application/dicom') });
    });

    it.each([
      ['an over-long SOP Instance UID', { sop: `1.2.${'3'.repeat(100)}` }, /SOPInstanceUID \(0008,0018\) is 104 characters long/],
      ['a multi-valued SOP Instance UID', { sop: '1.2.3.4\\1.2.3.5' }, /SOPInstanceUID \(0008,0018\) has 2 values/],
      ['no Series Instance UID', { series: null }, /SeriesInstanceUID \(0020,000E\) is missing/],
    ])('should answer 422 invalid-uid naming the attribute for %s, never 500', async (_name, identity, named) => {
      const response = await postDicom(sidecar, largeNativeImage(64, 64, identity));
      const error = await errorOf(response);
      expect(error).toMatchObject({ status: 422, code: 'invalid-uid' });
      expect(error.message).toMatch(named);
    });

    it('should keep serving after all of these', async () => {
      expect((await postDicom(sidecar, await readRealImage())).status).toBe(200);
    });
  });
});
