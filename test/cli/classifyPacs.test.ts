import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { realJpegBaselineDcm, repoRoot } from '../support/paths.ts';
import { startTestOrthanc, type TestOrthanc, orthancEnv } from '../support/orthanc.ts';

const run = promisify(execFile);
const bin = join(repoRoot, 'inference-service/bin/cxr-findings.mjs');

// A run and the run after it are one test (the second depends on the first); the failures change nothing
// in Orthanc, so the tests run in any order.
describe('cxr-findings classify --pacs', () => {
  let orthanc: TestOrthanc;
  let env: NodeJS.ProcessEnv;

  async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    try {
      const { stdout, stderr } = await run(process.execPath, [bin, 'classify', '--pacs', ...args], { cwd: repoRoot, env });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const e = error as { code?: number; stdout?: string; stderr?: string };
      return { code: typeof e.code === 'number' ? e.code : -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
    }
  }

  async function reportCount(): Promise<number> {
    return (await orthanc.client.findInstances({ Query: { Modality: 'SR' } })).length;
  }

  beforeAll(async () => {
    orthanc = await startTestOrthanc();
    env = {
      ...process.env,
      ...orthancEnv(orthanc),
    };
    await orthanc.client.uploadInstance(await readFile(realJpegBaselineDcm));
    await orthanc.client.uploadInstance(await readFile(join(repoRoot, 'dicom_samples/bravo-cr-pa-8bit-native.dcm')));
  });
  afterAll(async () => {
    await orthanc?.stop();
  });

  describe('on a PACS with two unclassified chest radiographs', () => {
    it('should store both SRs of each image, each in a new series of its study, say so, and classify nothing the second time', async () => {
      const { code, stdout, stderr } = await cli();
      expect(code).toBe(0);
      expect(stdout.trim().split('\n')).toHaveLength(2);
      expect(stderr).toContain('2 image(s) classified and their SRs stored, 0 already had an SR');
      // Per image the TID 1500 result and the readable report.
      const reports = await orthanc.client.findInstances({ Query: { Modality: 'SR' } });
      expect(reports).toHaveLength(4);
      expect(new Set(reports.map((r) => r.ParentSeries)).size).toBe(4);
      for (const sr of reports) {
        const images = await orthanc.client.findInstances({ Query: { StudyInstanceUID: sr.MainDicomTags.StudyInstanceUID ?? '', Modality: 'CR' } });
        expect(images.map((i) => i.ParentSeries)).not.toContain(sr.ParentSeries);
      }

      const again = await cli();
      expect(again.code).toBe(0);
      expect(again.stderr).toContain('0 image(s) classified and their SRs stored, 2 already had an SR');
      expect(await reportCount()).toBe(4);
    }, 60_000);
  });

  describe('failures', () => {
    it('should name an unknown study and exit non-zero', async () => {
      const { code, stderr } = await cli('--study', '1.2.3.4.5.6.7.8.9');
      expect(code).toBe(1);
      expect(stderr).toContain('1.2.3.4.5.6.7.8.9');
    });

    it('should refuse files given together with --pacs', async () => {
      const { code, stderr } = await cli(realJpegBaselineDcm);
      expect(code).toBe(1);
      expect(stderr).toContain('--pacs classifies what is in Orthanc: give no files');
    });
  });
});
