/**
 * Next to an existing archive: the sidecar's first start classifies none of what Orthanc already holds,
 * then classifies what arrives; the explicit backfill (`classify --pacs` with a date range) classifies the
 * archive, saying first how much it found and showing progress.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configEnv } from '../../inference-service/src/config/defaults.ts';
import { readRealImage, startHarness, type Harness } from '../api/harness.ts';
import { distinctCopies } from '../support/orthanc.ts';
import { repoRoot } from '../support/paths.ts';

const run = promisify(execFile);
const bin = join(repoRoot, 'inference-service/bin/cxr-findings.mjs');

describe('an Orthanc holding 100 images from before the sidecar', () => {
  let h: Harness;
  let copies: Uint8Array[];
  // Images with their objects: each classified image has two SRs, the TID 1500 result and the readable report.
  const srCount = async () => (await h.orthanc.client.findInstances({ Query: { Modality: 'SR' } })).length / 2;

  beforeAll(async () => {
    h = await startHarness();
    copies = distinctCopies(await readRealImage(), 101);
    for (const copy of copies.slice(0, 100)) await h.orthanc.client.uploadInstance(copy);
  }, 120_000);

  afterAll(async () => {
    await h?.stop();
  });

  it('should classify none on the first start, then an arrival, then the 100 through the explicit backfill', async () => {
    const sidecar = h.build({ autoClassify: true });
    const first = await sidecar.follower!.drain();
    expect(first.delivered).toBe(0);
    await sidecar.queue.idle();
    expect(await srCount()).toBe(0);

    await h.orthanc.client.uploadInstance(copies[100]!);
    const second = await sidecar.follower!.drain();
    expect(second.delivered).toBe(1);
    await sidecar.queue.idle();
    expect(await srCount()).toBe(1);

    // Then the explicit backfill classifies the 100, counting them first and showing progress.
    const env = {
      ...process.env,
      [configEnv.orthancUrl]: h.orthanc.url,
      [configEnv.orthancUsername]: h.orthanc.credentials.username,
      [configEnv.orthancPassword]: h.orthanc.credentials.password,
    };
    const outside = await run(process.execPath, [bin, 'classify', '--pacs', '--since', '20000101'], { cwd: repoRoot, env });
    expect(outside.stderr).toContain('0 stud(ies) with StudyDate 20000101- in Orthanc, 0 instance(s) besides SRs');
    expect(await srCount()).toBe(1);

    const { stdout, stderr } = await run(process.execPath, [bin, 'classify', '--pacs', '--since', '19000101', '--until', '19011231'], { cwd: repoRoot, env });
    const lines = stderr.split('\n');
    // 102 besides SRs: the 101 images and the arrival's heatmaps (a Parametric Map, the tests' demo model
    // finding some at or above the operating point), skipped as not eligible like the arrival's two SRs.
    const counted = lines.findIndex((l) => l.includes('1 stud(ies) with StudyDate 19000101-19011231 in Orthanc, 102 instance(s) besides SRs'));
    const firstProgress = lines.findIndex((l) => /^Images: \d+\/102$/.test(l));
    expect(counted, stderr).toBeGreaterThanOrEqual(0);
    expect(firstProgress).toBeGreaterThan(counted);
    expect(lines).toContain('Images: 102/102');
    expect(stderr).toContain('100 image(s) classified and their SRs stored, 1 already had an SR of this model, 3 skipped (not eligible)');
    expect(stdout.trim().split('\n')).toHaveLength(100);
    expect(await srCount()).toBe(101);
  }, 180_000);
});
