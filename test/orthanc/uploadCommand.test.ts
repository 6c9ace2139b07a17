import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runUploadCommand } from '../../inference-service/src/cli/uploadCommand.ts';
import { configEnv } from '../../inference-service/src/config/defaults.ts';
import { findFreePort } from '../../tooling/freePort.ts';
import { localCredentialsFile } from '../../inference-service/src/orthanc/localCredentials.ts';
import { distinctCopies, startTestOrthanc, type TestOrthanc, orthancEnv } from '../support/orthanc.ts';
import { nestedSequences } from '../support/hostileDicom.ts';
import { realJpegBaselineDcm } from '../support/paths.ts';
import { readDicomDataset } from '../../inference-service/src/dicom/index.ts';

interface Run {
  readonly code: number;
  readonly out: string[];
  readonly err: string[];
}

// Each test sends files of its own or the copy stored up front: they run in any order.
describe('cxr-findings upload', () => {
  let orthanc: TestOrthanc;
  let workDir: string;
  let env: Record<string, string>;
  /** Three copies only the folder test sends. */
  let copies: Uint8Array[];
  /** A copy stored before any test, for those that expect "already stored". */
  let stored: Uint8Array;

  async function upload(args: string[], overrides: Record<string, string> = {}): Promise<Run> {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runUploadCommand(args, { env: { ...env, ...overrides }, out: (l) => out.push(l), err: (l) => err.push(l) });
    return { code, out, err };
  }

  beforeAll(async () => {
    [orthanc, workDir] = await Promise.all([startTestOrthanc(), mkdtemp(join(tmpdir(), 'cxr-upload-'))]);
    env = {
      ...orthancEnv(orthanc),
    };
    const all = distinctCopies(new Uint8Array(await readFile(realJpegBaselineDcm)), 4);
    copies = all.slice(0, 3);
    stored = all[3]!;
    await orthanc.client.uploadInstance(stored);
  });
  afterAll(async () => {
    await orthanc?.stop();
    await rm(workDir, { recursive: true, force: true });
  });

  describe('with a folder tree of images and other files', () => {
    it('should send every DICOM file found recursively and count new, then already stored', async () => {
      const tree = join(workDir, 'tree');
      await mkdir(join(tree, 'study-a', 'series-1'), { recursive: true });
      await mkdir(join(tree, 'study-b'), { recursive: true });
      await writeFile(join(tree, 'study-a', 'series-1', 'one.dcm'), copies[0]!);
      await writeFile(join(tree, 'study-a', 'two'), copies[1]!);
      await writeFile(join(tree, 'study-b', 'three.dcm'), copies[2]!);
      await writeFile(join(tree, 'README.txt'), 'not an image');

      const first = await upload([tree]);
      expect(first.code).toBe(0);
      expect(first.out).toEqual([`Sent 3 file(s) to ${orthanc.url}: 3 new, 0 already stored, 0 refused, 1 passed over (not DICOM).`]);
      expect(first.err).toEqual(['Passed over 1 file(s) in folders that are not DICOM Part-10.']);
      for (const copy of copies) expect(await orthanc.client.instanceIdByUid(String(readDicomDataset(copy).dataset.SOPInstanceUID))).toBeDefined();

      const again = await upload([tree, '--parallel', '1']);
      expect(again.code).toBe(0);
      expect(again.out[0]).toBe(`Sent 3 file(s) to ${orthanc.url}: 0 new, 3 already stored, 0 refused, 1 passed over (not DICOM).`);
    });
  });

  describe('when Orthanc refuses a file', () => {
    it('should count it with Orthanc\'s reason, upload the rest, and exit 1', async () => {
      const notDicom = join(workDir, 'notes.dcm');
      await writeFile(notDicom, 'this is not DICOM');
      const good = join(workDir, 'good.dcm');
      await writeFile(good, stored);

      const run = await upload([notDicom, good]);
      expect(run.code).toBe(1);
      expect(run.out).toEqual([`Sent 2 file(s) to ${orthanc.url}: 0 new, 1 already stored, 1 refused.`]);
      expect(run.err).toHaveLength(1);
      expect(run.err[0]).toMatch(new RegExp(`^refused ${notDicom}: Orthanc answered 400: Bad file format: Cannot parse an invalid DICOM file`));
    });

    it('should not send a file past the DICOM limits (Orthanc 1.10 crashes on deep nesting), and stay up', async () => {
      const bomb = join(workDir, 'nested.dcm');
      await writeFile(bomb, nestedSequences(5_000));
      const run = await upload([bomb]);
      expect(run.code).toBe(1);
      expect(run.err[0]).toMatch(new RegExp(`^refused ${bomb}: not sent: DICOM refused: the nesting depth of sequences \\(33\\)`));
      expect((await orthanc.client.system()).Version).toMatch(/^1\./);
    });

    it('should report a path that does not exist and exit 1', async () => {
      const run = await upload([join(workDir, 'nowhere')]);
      expect(run.code).toBe(1);
      expect(run.err).toContain(`${join(workDir, 'nowhere')}: no such file or folder`);
    });
  });

  describe('without credentials in the environment', () => {
    it('should log in with the credentials npm start keeps in the data dir', async () => {
      const dataDir = join(workDir, 'data');
      await mkdir(dataDir, { recursive: true });
      await writeFile(join(dataDir, localCredentialsFile), JSON.stringify(orthanc.credentials));
      const file = join(workDir, 'local.dcm');
      await writeFile(file, stored);
      const run = await upload([file], { [configEnv.orthancUsername]: '', [configEnv.orthancPassword]: '', [configEnv.dataDir]: dataDir });
      expect(run.code).toBe(0);
      expect(run.out).toEqual([`Sent 1 file(s) to ${orthanc.url}: 0 new, 1 already stored, 0 refused.`]);
    });

    it('should say which variables to set when there are none and Orthanc asks', async () => {
      const file = join(workDir, 'anonymous.dcm');
      await writeFile(file, stored);
      const run = await upload([file], { [configEnv.orthancUsername]: '', [configEnv.orthancPassword]: '', [configEnv.dataDir]: join(workDir, 'empty') });
      expect(run.code).toBe(1);
      expect(run.err[0]).toMatch(/refused the credentials \(401\)/);
    });
  });

  describe('when Orthanc cannot be used', () => {
    it('should stop at once and say Orthanc is not running', async () => {
      const url = `http://127.0.0.1:${await findFreePort()}`;
      const file = join(workDir, 'down.dcm');
      await writeFile(file, stored);
      const run = await upload([file, file, file], { [configEnv.orthancUrl]: url });
      expect(run.code).toBe(1);
      expect(run.err).toEqual([`cxr-findings upload: Orthanc is unavailable: POST ${url}/instances failed (ECONNREFUSED). Is Orthanc running at ${url}?`]);
      expect(run.out).toEqual([]);
    });

    it('should stop at once and name the variables when the credentials are wrong', async () => {
      const file = join(workDir, 'locked.dcm');
      await writeFile(file, stored);
      const run = await upload([file], { [configEnv.orthancPassword]: 'wrong' });
      expect(run.code).toBe(1);
      expect(run.err[0]).toMatch(/refused the credentials \(401\): set CXR_ORTHANC_USERNAME and CXR_ORTHANC_PASSWORD/);
    });

    it('should refuse half a set of credentials', async () => {
      await expect(upload([workDir], { [configEnv.orthancUsername]: 'someone', [configEnv.orthancPassword]: '' })).rejects.toThrow(/set both CXR_ORTHANC_USERNAME and CXR_ORTHANC_PASSWORD, or neither/);
    });
  });

  describe('usage', () => {
    it('should print usage: exit 0 with --help, 2 without files', async () => {
      const help = await upload(['--help']);
      expect(help.code).toBe(0);
      expect(help.out[0]).toMatch(/^cxr-findings upload <files or folders>/);
      expect((await upload([])).code).toBe(2);
      await expect(upload([workDir, '--parallel', '0'])).rejects.toThrow(/--parallel must be a positive integer, got '0'/);
    });
  });
});
