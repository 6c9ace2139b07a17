import { describe, expect, it } from 'vitest';
import { parseClassifyResponse } from './classifyRequest.ts';

const sr = { StudyInstanceUID: '1.2.3', SeriesInstanceUID: '1.2.3.9', SOPInstanceUID: '1.2.3.9.1', alreadyExisted: false };

describe('parseClassifyResponse', () => {
  describe("the sidecar's report of a classified image", () => {
    it('should return the SR and the findings at or above the operating point, highest first', () => {
      const body = {
        model: { id: 'm', kind: 'demo', onnxSha256: 'x' },
        results: [{ StudyInstanceUID: '1.2.3', findings: { Effusion: 0.62, Mass: 0.1, Cardiomegaly: 0.81, Edema: 0.5 }, sr, timingsMs: {} }],
        skipped: [],
        timingsMs: { total: 40 },
      };
      expect(parseClassifyResponse(200, 'OK', body)).toEqual({ ok: true, reports: [sr], positiveFindings: ['Cardiomegaly', 'Effusion', 'Edema'], findingCount: 4 });
    });

    it('should return the SR without findings when it already existed', () => {
      const body = { results: [{ sr: { ...sr, alreadyExisted: true } }], skipped: [] };
      expect(parseClassifyResponse(200, 'OK', body)).toEqual({ ok: true, reports: [{ ...sr, alreadyExisted: true }] });
    });
  });

  describe('refusals and failures', () => {
    it("should give the sidecar's error message verbatim", () => {
      const body = { error: { code: 'invalid-request', message: 'Nothing to classify in instance 1.2.3: view position LL is lateral' } };
      expect(parseClassifyResponse(422, 'Unprocessable Entity', body)).toEqual({ ok: false, message: body.error.message });
    });

    it('should give the skip reason when nothing was classified', () => {
      const body = { results: [], skipped: [{ SOPInstanceUID: '1.2.3', reason: 'modality CT is not CR or DX' }] };
      expect(parseClassifyResponse(200, 'OK', body)).toEqual({ ok: false, message: 'Not classified: modality CT is not CR or DX' });
    });

    it('should name the status when the answer is not the error format', () => {
      expect(parseClassifyResponse(502, 'Bad Gateway', undefined)).toEqual({ ok: false, message: 'The CXR Findings service answered 502 Bad Gateway' });
    });
  });
});
