import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertPortFree, findFreePort } from '../../tooling/freePort.ts';
import { localCredentialsFile, readLocalOrthancCredentials } from '../../inference-service/src/orthanc/localCredentials.ts';
import { OrthancClient } from '../../inference-service/src/orthanc/orthancClient.ts';
import { startLocalOrthanc } from '../../tooling/orthanc/startLocalOrthanc.ts';
import { startOrthanc, type RunningOrthanc } from '../../tooling/orthanc/startOrthanc.ts';

const run = promisify(execFile);

// One Orthanc serves the tests that only look at it; the stop test stops one of its own. Any order.
describe('startLocalOrthanc (the Orthanc of npm start)', () => {
  let dataDir: string;
  let orthanc: RunningOrthanc;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'cxr-local-orthanc-'));
    // The default ports may be taken on a shared machine: the same code path with free ones.
    orthanc = await startLocalOrthanc({ dataDir, httpPort: await findFreePort(), dicomPort: await findFreePort() });
  });
  afterAll(async () => {
    await orthanc?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  describe('on a fresh data dir', () => {
    it('should make credentials in the data dir and require them', async () => {
      const credentials = await readLocalOrthancCredentials(dataDir);
      expect(credentials).toEqual(orthanc.credentials);
      expect((await new OrthancClient({ url: orthanc.url, credentials: credentials! }).system()).HttpPort).toBe(orthanc.httpPort);
      expect((await fetch(`${orthanc.url}/system`)).status).toBe(401);
      expect((await stat(join(dataDir, localCredentialsFile))).mode & 0o777).toBe(0o600);
    });

    it('should keep its storage, configuration (owner-only: it holds the password) and log under <dataDir>/orthanc', async () => {
      expect(orthanc.configFile).toBe(join(dataDir, 'orthanc', 'orthanc-run.json'));
      expect((await stat(orthanc.configFile)).mode & 0o777).toBe(0o600);
      const config = JSON.parse(await readFile(orthanc.configFile, 'utf8')) as Record<string, unknown>;
      expect(config).toMatchObject({ StorageDirectory: join(dataDir, 'orthanc'), RemoteAccessAllowed: false, AuthenticationEnabled: true });
      expect(await readFile(orthanc.logFile, 'utf8')).toMatch(/Orthanc has started/);
    });

    it('should answer a DICOM C-ECHO on its DICOM port', async () => {
      expect(orthanc.dicomPort).toEqual(expect.any(Number));
      const { stderr } = await run('echoscu', ['-v', '-aec', 'CXRFINDINGS', '127.0.0.1', String(orthanc.dicomPort)]);
      expect(stderr).toMatch(/Received Echo Response \(Success\)/);
    });
  });

  describe('when its port is taken', () => {
    it('should refuse to start a second Orthanc on it, naming the port', async () => {
      const second = startOrthanc({ storageDir: join(dataDir, 'second'), credentials: orthanc.credentials, httpPort: orthanc.httpPort });
      await expect(second).rejects.toThrow(`Orthanc HTTP: port ${orthanc.httpPort} is already in use (another Orthanc still running?)`);
    });
  });

  describe('stop()', () => {
    it('should end the process, free the port, and be safe to call again', async () => {
      const own = await startLocalOrthanc({ dataDir: join(dataDir, 'stopped'), httpPort: await findFreePort(), dicomPort: await findFreePort() });
      await Promise.all([own.stop(), own.stop()]);
      expect(own.process.exitCode !== null || own.process.signalCode !== null).toBe(true);
      await expect(assertPortFree(own.httpPort, 'test')).resolves.toBeUndefined();
      await own.stop();
    });
  });
});
