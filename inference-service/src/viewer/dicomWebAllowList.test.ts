import { describe, expect, it } from 'vitest';
import { allowDicomWebRequest, isRefusal, serializeQuery } from './dicomWebAllowList.ts';

const roots = { dicomWeb: '/dicom-web', wadoUri: '/wado' };
const S = '1.2.276.0.7230010.3.1.2.8323329.6904.1517875201.850818';
const SE = '1.2.276.0.7230010.3.1.3.8323329.6904.1517875201.850817';
const I = '1.2.276.0.7230010.3.1.4.8323329.6904.1517875201.850819';

function decide(method: string, target: string, mayStore = false) {
  const url = new URL(target, 'http://viewer.test');
  return allowDicomWebRequest({ method, path: url.pathname, search: url.searchParams, mayStore }, roots);
}

describe('allowDicomWebRequest', () => {
  describe('what the viewer reads', () => {
    it.each([
      ['/dicom-web/studies?limit=101&offset=0&fuzzymatching=false&includefield=00081030%2C00080060', 'search'],
      [`/dicom-web/studies/${S}/series?includefield=0008103E%2C00080021`, 'search'],
      [`/dicom-web/studies/${S}/series/${SE}/instances?limit=1&includefield=00080018`, 'search'],
      ['/dicom-web/series?Modality=SR', 'search'],
      [`/dicom-web/studies/${S}/metadata`, 'metadata'],
      [`/dicom-web/studies/${S}/series/${SE}/metadata`, 'metadata'],
      [`/dicom-web/studies/${S}/series/${SE}/instances/${I}/metadata`, 'metadata'],
      [`/dicom-web/studies/${S}/series/${SE}/instances/${I}/frames/1`, 'retrieve'],
      [`/dicom-web/studies/${S}/series/${SE}/instances/${I}/frames/1,2,3/rendered`, 'retrieve'],
      [`/dicom-web/studies/${S}/series/${SE}/instances/${I}`, 'retrieve'],
      [`/dicom-web/studies/${S}/series/${SE}/thumbnail`, 'retrieve'],
      [`/dicom-web/studies/${S}/series/${SE}/instances/${I}/bulk/7fe00010`, 'retrieve'],
      [`/dicom-web/studies/${S}/series/${SE}/instances/${I}/bulk/00540016/0/00181072`, 'retrieve'],
      [`/wado?requestType=WADO&studyUID=${S}&seriesUID=${SE}&objectUID=${I}&contentType=application%2Fdicom`, 'retrieve'],
    ])('should allow GET %s as %s', (target, action) => {
      const decision = decide('GET', target);
      expect(isRefusal(decision) ? decision.message : decision.action).toBe(action);
    });

    it('should send a comma-separated includefield as repeated parameters, and other values as they came', () => {
      const decision = decide('GET', '/dicom-web/studies?PatientName=Do%20e*&includefield=00081030%2C00080060,%2000100010');
      if (isRefusal(decision)) throw new Error(decision.message);
      expect(serializeQuery(decision.query)).toBe('PatientName=Do%20e*&includefield=00081030&includefield=00080060&includefield=00100010');
    });

    it('should say which UIDs a request names', () => {
      expect(decide('GET', `/dicom-web/studies/${S}/series/${SE}/instances/${I}/frames/1`)).toMatchObject({
        StudyInstanceUID: S,
        SeriesInstanceUID: SE,
        SOPInstanceUID: I,
      });
    });
  });

  describe('what it refuses', () => {
    it.each([
      ['GET', '/dicom-web/system', 404],
      ['GET', '/dicom-web/patients', 404],
      ['GET', '/dicom-web/tools/find', 404],
      ['GET', '/dicom-web/servers', 404],
      ['GET', '/dicom-web/studies/1.2.abc', 404],
      ['GET', `/dicom-web/studies/${S}.`, 404],
      ['GET', `/dicom-web/studies/1.${'2'.repeat(64)}`, 404],
      ['GET', `/dicom-web/studies/${S}/series/${SE}/instances/${I}/frames/0`, 404],
      ['GET', `/dicom-web/studies/${S}/series/${SE}/instances/${I}/file`, 404],
      ['GET', `/dicom-web/studies/${S}/series/${SE}/instances/${I}/bulk/../../system`, 404],
      ['GET', '/dicom-web/Studies', 404],
      ['GET', '/dicom-web/studies/', 404],
      ['GET', '/dicom-web', 404],
      ['GET', '/dicom-web/studies?x.=1', 400],
      ['GET', '/dicom-web/studies?%2e%2e=1', 400],
      ['GET', '/wado?requestType=WADO&studyUID=1.2', 400],
      ['GET', `/wado?requestType=WADO&studyUID=${S}&seriesUID=${SE}&objectUID=${I}&uri=/system`, 400],
      ['DELETE', `/dicom-web/studies/${S}`, 405],
      ['PUT', '/dicom-web/studies', 405],
      ['PATCH', '/dicom-web/studies', 405],
      ['POST', '/dicom-web/tools/find', 404],
      ['POST', `/dicom-web/studies/${S}/series`, 405],
      ['POST', '/wado', 405],
      ['POST', '/dicom-web/studies', 403],
      ['OPTIONS', '/dicom-web/studies', 405],
    ])('should refuse %s %s with %i', (method, target, status) => {
      const decision = decide(method, target);
      expect(isRefusal(decision) ? decision.status : decision).toBe(status);
    });

    it('should allow STOW-RS only to a caller who may store', () => {
      expect(decide('POST', '/dicom-web/studies', true)).toMatchObject({ action: 'store' });
      expect(decide('POST', `/dicom-web/studies/${S}`, true)).toMatchObject({ action: 'store', StudyInstanceUID: S });
      expect(decide('POST', `/dicom-web/studies/${S}/series`, true)).toMatchObject({ status: 405 });
    });
  });
});
