/**
 * `npm start`'s watch over Orthanc: a real Orthanc crashed the way a hostile sender crashes it (a file of
 * 5,000 nested sequences, Orthanc 1.10 segfaults) comes back on its own, with its storage, and the sidecar
 * beside it classifies what arrives afterwards without being restarted.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../inference-service/src/config/config.ts';
import { configEnv } from '../../inference-service/src/config/defaults.ts';
import { readDicomDataset } from '../../inference-service/src/dicom/index.ts';
import { OrthancClient } from '../../inference-service/src/orthanc/index.ts';
import { startSidecar, type RunningSidecar } from '../../inference-service/src/server.ts';
import { findingsSrUids } from '../../inference-service/src/sr/index.ts';
import { findFreePort } from '../../tooling/freePort.ts';
import { startOrthanc } from '../../tooling/orthanc/startOrthanc.ts';
import { superviseOrthanc, type SupervisedOrthanc } from '../../tooling/orthanc/superviseOrthanc.ts';
import { readRealImage } from '../api/harness.ts';
import { nestedSequences } from '../support/hostileDicom.ts';
import { eventually } from '../support/eventually.ts';
import { distinctCopies } from '../support/orthanc.ts';

const token = 'supervise-suite-token-0123456789';

describe('Orthanc under npm start’s watch', () => {
  let work: string;
  let supervised: SupervisedOrthanc;
  let sidecar: RunningSidecar;
  let client: OrthancClient;
  const logged: string[] = [];

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'cxr-supervise-'));
    const credentials = { username: 'supervise', password: randomBytes(12).toString('hex') };
    const [httpPort, sidecarPort] = [await findFreePort(), await findFreePort()];
    supervised = await superviseOrthanc({
      start: () => startOrthanc({ storageDir: join(work, 'orthanc'), credentials, httpPort, sidecar: { url: `http://127.0.0.1:${sidecarPort}`, token } }),
      log: (line) => logged.push(line),
      initialDelayMs: 200,
    });
    client = new OrthancClient({ url: supervised.current.url, credentials, timeoutMs: 5_000 });
    const config = loadConfig({
      [configEnv.port]: String(sidecarPort),
      [configEnv.orthancUrl]: supervised.current.url,
      [configEnv.orthancUsername]: credentials.username,
      [configEnv.orthancPassword]: credentials.password,
      [configEnv.apiToken]: token,
      [configEnv.dataDir]: join(work, 'data'),
      [configEnv.intraOpThreads]: '1',
      [configEnv.logLevel]: 'error',
    });
    sidecar = await startSidecar({ config });
  });

  afterAll(async () => {
    await sidecar?.stop();
    await supervised?.stop();
    client?.close();
    await rm(work, { recursive: true, force: true });
  });

  it('should log the crash, start Orthanc again with its storage, and classify what arrives after', async () => {
    const [before, after] = distinctCopies(await readRealImage(), 2);
    await client.uploadInstance(before!);
    const first = supervised.current;
    // The crash a hostile sender causes; refused by the sidecar's own paths, Orthanc's REST takes it.
    await client.uploadInstance(nestedSequences(5_000)).catch(() => undefined);
    await eventually('Orthanc to be restarted', async () => supervised.restarts === 1 && supervised.current !== first && (await client.system()).Version !== '');
    expect(first.process.signalCode).toBe('SIGSEGV');
    expect(logged.some((l) => /Orthanc exited \(SIGSEGV\); restarting/.test(l))).toBe(true);
    expect(logged.some((l) => /Orthanc is running again/.test(l))).toBe(true);
    // Its storage survived.
    expect(await client.instanceIdByUid(String(readDicomDataset(before!).dataset.SOPInstanceUID))).toBeDefined();

    await client.uploadInstance(after!);
    const srUid = findingsSrUids(String(readDicomDataset(after!).dataset.SOPInstanceUID), sidecar.parts.service.model.onnxSha256).SOPInstanceUID;
    await eventually('the SR of the image stored after the restart', async () => (await client.instanceIdByUid(srUid)) !== undefined);
  }, 90_000);
});
