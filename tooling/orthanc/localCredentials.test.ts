import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { localCredentialsFile, readLocalOrthancCredentials } from '../../inference-service/src/orthanc/localCredentials.ts';
import { ensureLocalOrthancCredentials } from './localCredentials.ts';

describe('ensureLocalOrthancCredentials', () => {
  let dataDir: string;
  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'cxr-credentials-'));
  });
  afterEach(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  describe('in a fresh data dir', () => {
    it('should make credentials once, readable by the owner only, and give the same ones afterwards', async () => {
      expect(await readLocalOrthancCredentials(dataDir)).toBeUndefined();
      const made = await ensureLocalOrthancCredentials(dataDir);
      expect(made.username).toBe('cxr-findings');
      expect(made.password.length).toBeGreaterThanOrEqual(32);
      expect((await stat(join(dataDir, localCredentialsFile))).mode & 0o777).toBe(0o600);
      expect(await ensureLocalOrthancCredentials(dataDir)).toEqual(made);
      expect(JSON.parse(await readFile(join(dataDir, localCredentialsFile), 'utf8'))).toEqual(made);
    });

    it('should agree with itself when asked twice at once', async () => {
      const [a, b] = await Promise.all([ensureLocalOrthancCredentials(dataDir), ensureLocalOrthancCredentials(dataDir)]);
      expect(a).toEqual(b);
    });
  });

  describe('with a damaged file', () => {
    it('should name the file and what is missing', async () => {
      await writeFile(join(dataDir, localCredentialsFile), '{"username": "x"}');
      await expect(readLocalOrthancCredentials(dataDir)).rejects.toThrow(/orthanc-credentials\.json need a non-empty 'username' and 'password'/);
    });
  });
});
