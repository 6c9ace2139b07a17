import { describe, expect, it } from 'vitest';
import { parseClassifyResponse } from './classifyRequest.ts';

const sr = { StudyInstanceUID: '1.2.3', SeriesInstanceUID: '1.2.3.9', SOPInstanceUID: '1.2.3.9.1', alreadyExisted: false };
const model = { id: 'densenet121-res224-all-demo', kind: 'demo', onnxSha256: 'c33ca74b28f1'.padEnd(64, '0') };
const uid = /\d+(\.\d+){3,}/;

describe('parseClassifyResponse', () => {
  describe("the sidecar's report of a classified image", () => {
    it('should return the SR and the findings in percent against the operating point', () => {
      const body = {
        model,
        results: [{ StudyInstanceUID: '1.2.3', SeriesInstanceUID: '1.2.3.4', SOPInstanceUID: '1.2.3.4.5', findings: { Effusion: 0.62, Mass: 0.1 }, sr, timingsMs: {} }],
        skipped: [],
      };
      const outcome = parseClassifyResponse(200, body, 'DenseNet demo');
      expect(outcome).toEqual({
        ok: true,
        reports: [sr],
        images: [
          {
            image: { StudyInstanceUID: '1.2.3', SeriesInstanceUID: '1.2.3.4', SOPInstanceUID: '1.2.3.4.5' },
            model: { name: 'DenseNet demo', version: 'densenet121-res224-all-demo@c33ca74b28f1', kind: 'demo' },
            findings: [
              { name: 'Pleural effusion', score: 62, operatingPoint: 50 },
              { name: 'Mass', score: 10, operatingPoint: 50 },
            ],
            report: { StudyInstanceUID: sr.StudyInstanceUID, SeriesInstanceUID: sr.SeriesInstanceUID, SOPInstanceUID: sr.SOPInstanceUID },
            source: 'classify-response',
          },
        ],
      });
    });
  });

  describe('refusals and failures, in plain words', () => {
    it('should say a lateral view is refused and what to do, without the UID', () => {
      const body = { error: { code: 'invalid-request', message: 'Nothing to classify in instance 1.2.3.4.5: view position LL is lateral; the model reads frontal (PA/AP) views' } };
      const outcome = parseClassifyResponse(422, body);
      expect(outcome.ok).toBe(false);
      if (outcome.ok) return;
      expect(outcome.message).toBe('This is a lateral view (view position LL). The model reads frontal (PA or AP) chest X-rays: open a frontal image and press Classify findings again.');
    });

    it('should say an unreadable encoding without the codec or transfer syntax', () => {
      const body = { results: [], skipped: [{ SOPInstanceUID: '1.2.3.4.5', reason: 'readDicomImage: JPEG Extended (Process 2 & 4) 12-bit (1.2.840.10008.1.2.4.51) is not supported' }] };
      const outcome = parseClassifyResponse(200, body);
      expect(outcome.ok).toBe(false);
      if (outcome.ok) return;
      expect(outcome.message).toMatch(/^The service cannot read the pixels of this image .* Ask your PACS administrator/);
      expect(outcome.message).not.toMatch(uid);
      expect(outcome.message).not.toMatch(/JPEG Extended|readDicomImage/);
    });

    it.each([
      [401, 'unauthorized', /session has ended\. Reload the page/],
      [403, 'forbidden', /may view images but not ask for findings \(it has no classify role\)/],
      [429, 'queue-full', /busy .* Try again in a few seconds/],
      [503, 'orthanc-unavailable', /cannot reach the image archive/],
      [503, 'sr-not-stored', /computed the findings, but the image archive did not accept them\. They are kept and sent again/],
      [504, 'timeout', /took too long/],
      [500, 'internal', /failed on this image\. Try again/],
    ])('should say what to do on %i %s', (status, code, pattern) => {
      const outcome = parseClassifyResponse(status, { error: { code, message: `details about 1.2.3.4.5` } });
      expect(outcome.ok).toBe(false);
      if (outcome.ok) return;
      expect(outcome.message).toMatch(pattern);
      expect(outcome.message).not.toMatch(uid);
    });

    it('should say the findings wait for the archive when it stored none of the SRs, not that nothing was classifiable', () => {
      const pending = [{ SOPInstanceUID: '1.2.3.4.5', srNotStored: { state: 'pending', reason: 'filtered-out', message: 'Orthanc refused SR 1.2.3.4.6', attempts: 1 } }];
      const outcome = parseClassifyResponse(200, { results: [], pending, skipped: [] });
      expect(outcome.ok).toBe(false);
      if (outcome.ok) return;
      expect(outcome.message).toMatch(/did not accept them\. They are kept and sent again automatically/);
      expect(outcome.message).not.toMatch(uid);
    });

    it('should strip UIDs from a reason it has no words of its own for', () => {
      const outcome = parseClassifyResponse(200, { results: [], skipped: [{ reason: 'something new about 1.2.840.10008.5.1.4 happened' }] });
      expect(outcome).toEqual({ ok: false, message: 'The image was not classified: something new about happened' });
    });
  });
});
