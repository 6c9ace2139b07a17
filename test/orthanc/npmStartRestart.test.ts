/**
 * Orthanc killed under `npm start` itself (scripts/start.ts in its own process, not the supervisor alone):
 * it comes back with its storage, the image that was being classified when it died ends with its SRs, and
 * an image that arrives after is classified, without anyone restarting the sidecar.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDicomDataset } from '../../inference-service/src/dicom/index.ts';
import { OrthancClient } from '../../inference-service/src/orthanc/index.ts';
import { findingsSrUids, measurementReportUids } from '../../inference-service/src/sr/index.ts';
import { readRealImage } from '../api/harness.ts';
import { startNpmStart, type NpmStart } from '../support/npmStart.ts';
import { eventually } from '../support/eventually.ts';
import { distinctCopies } from '../support/orthanc.ts';

/** The Orthanc process npm start runs: the one whose command line names this run's data dir. */
async function orthancPid(dataDir: string): Promise<number | undefined> {
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const argv = await readFile(join('/proc', entry, 'cmdline'), 'utf8').then((text) => text.split('\0'), () => []);
    if (/(^|\/)Orthanc$/.test(argv[0] ?? '') && argv.some((arg) => arg.startsWith(dataDir))) return Number(entry);
  }
  return undefined;
}

describe('Orthanc killed under npm start', () => {
  let start: NpmStart;
  let client: OrthancClient;

  beforeAll(async () => {
    start = await startNpmStart();
    client = new OrthancClient({ url: start.orthancUrl, credentials: start.orthancCredentials, timeoutMs: 5_000 });
  }, 200_000);

  afterAll(async () => {
    client?.close();
    await start?.stop();
  });

  it('should come back, finish the image it was classifying, and classify what arrives after', async () => {
    const card = (await (await fetch(`${start.url}/api/model`, { headers: { Authorization: `Bearer ${start.apiToken}` } })).json()) as { onnx?: { sha256: string } };
    const onnxSha256 = card.onnx?.sha256 ?? '';
    expect(onnxSha256).toMatch(/^[0-9a-f]{64}$/);
    const images = distinctCopies(await readRealImage(), 2).map((part10) => ({ part10, uid: String(readDicomDataset(part10).dataset.SOPInstanceUID) }));
    const [during, after] = [images[0]!, images[1]!];
    const srsOf = async (uid: string): Promise<number> => {
      const uids = [measurementReportUids(uid, onnxSha256).SOPInstanceUID, findingsSrUids(uid, onnxSha256).SOPInstanceUID];
      return (await Promise.all(uids.map((sr) => client.instanceIdByUid(sr)))).filter((id) => id !== undefined).length;
    };

    const first = await orthancPid(start.dataDir);
    expect(first, 'npm start runs an Orthanc of its own').toBeDefined();
    // Killed while the hook's classification of this upload is under way (it takes longer than the kill).
    await client.uploadInstance(during.part10);
    process.kill(first ?? 0, 'SIGKILL');

    await eventually('npm start to start Orthanc again', async () => /Orthanc is running again/.test(start.output.join('')), 60_000);
    expect(start.output.join('')).toMatch(/Orthanc exited \(SIGKILL\); restarting it/);
    const second = await orthancPid(start.dataDir);
    expect(second).toBeDefined();
    expect(second).not.toBe(first);
    expect(await client.instanceIdByUid(during.uid), 'its storage survived').toBeDefined();

    await client.uploadInstance(after.part10);
    await eventually('both SRs of the image stored after the restart', async () => (await srsOf(after.uid)) === 2, 60_000);
    await eventually('both SRs of the image Orthanc died under', async () => (await srsOf(during.uid)) === 2, 60_000);
    const health = await fetch(`${start.url}/api/health`);
    expect(health.status).toBe(200);
  }, 120_000);
});
