/**
 * The site's rules for what to classify, on real uploads: images sent to a real Orthanc by C-STORE from
 * two AE titles (dcmtk's storescu) and by REST, some of them edited with dcmodify, followed through
 * /changes and asked for through the API. An image a rule excludes gets no SR, and the reason says which rule.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDicomDataset } from '../../inference-service/src/dicom/index.ts';
import { parseRoutingFile } from '../../inference-service/src/routing/routingFile.ts';
import { imageObjectUids } from '../../inference-service/src/service/imageObjects.ts';
import type { ClassifyReport } from '../../inference-service/src/service/types.ts';
import { findFreePort } from '../../tooling/freePort.ts';
import { auth, postJson, readRealImage, startHarness, type Harness } from '../api/harness.ts';
import { distinctCopies } from '../support/orthanc.ts';

const run = promisify(execFile);
const imageStudy = '1.2.276.0.7230010.3.1.2.8323329.6904.1517875201.850818';

const routing = parseRoutingFile(
  {
    classify: {
      include: [{ name: 'chest radiographs', modality: ['CR', 'DX'], bodyPartExamined: ['CHEST', 'THORAX'] }],
      exclude: [
        { name: 'icu senders', callingAeTitle: 'ICU*' },
        { name: 'portables', stationName: '*PORTABLE*' },
        { name: 'lateral by description', seriesDescription: '*LAT*' },
      ],
    },
  },
  'test rules',
);

interface Arrival {
  readonly uid: string;
  /** Which rule should exclude it; undefined: it is classified. */
  readonly rule: string | undefined;
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('rules for what to classify', () => {
  let h: Harness;
  let dicomPort: number;
  let dir: string;
  let copies: Uint8Array[];

  beforeAll(async () => {
    dicomPort = await findFreePort();
    h = await startHarness({
      orthanc: {
        dicomPort,
        dicomModalities: { icu: { AET: 'ICU3', Host: '127.0.0.1', Port: 104 }, ed: { AET: 'ED1', Host: '127.0.0.1', Port: 104 } },
      },
    });
    dir = await mkdtemp(join(tmpdir(), 'cxr-rules-'));
    copies = distinctCopies(await readRealImage(), 10);
  }, 60_000);

  afterAll(async () => {
    await h?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** Writes a copy to a file, edits its header with dcmodify, and sends it to Orthanc. */
  async function send(copy: Uint8Array, how: { aet?: string; modify?: Record<string, string> }): Promise<string> {
    const uid = String(readDicomDataset(copy).dataset.SOPInstanceUID);
    const file = join(dir, `${uid}.dcm`);
    await writeFile(file, copy);
    const edits = Object.entries(how.modify ?? {}).flatMap(([tag, value]) => ['-i', `${tag}=${value}`]);
    if (edits.length > 0) await run('dcmodify', ['-nb', ...edits, file]);
    if (how.aet) await run('storescu', ['--propose-jpeg8', '-aet', how.aet, '-aec', 'CXRFINDINGS', '127.0.0.1', String(dicomPort), file]);
    else expect((await h.orthanc.client.uploadInstance(new Uint8Array(await readFile(file)))).Status).toBe('Success');
    return uid;
  }

  async function sendAll(batch: Uint8Array[]): Promise<Arrival[]> {
    const [fromEd, fromIcu, portable, lateral, foot] = batch as [Uint8Array, Uint8Array, Uint8Array, Uint8Array, Uint8Array];
    return [
      { uid: await send(fromEd, { aet: 'ED1', modify: { '(0008,1010)': 'ED ROOM 2' } }), rule: undefined },
      { uid: await send(fromIcu, { aet: 'ICU3' }), rule: 'icu senders' },
      { uid: await send(portable, { modify: { '(0008,1010)': 'ICU_PORTABLE_2' } }), rule: 'portables' },
      { uid: await send(lateral, { aet: 'ED1', modify: { '(0008,103E)': 'view: LATERAL' } }), rule: 'lateral by description' },
      // A body part the fixed eligibility already refuses: the include rule never sees it.
      { uid: await send(foot, { modify: { '(0018,0015)': 'FOOT' } }), rule: 'fixed' },
    ];
  }

  async function srOf(uid: string, onnxSha256: string): Promise<boolean> {
    return (await h.orthanc.client.instanceIdByUid(imageObjectUids(uid, onnxSha256).result.SOPInstanceUID)) !== undefined;
  }

  it('should classify arrivals the rules admit and log, for each one excluded, the rule that excluded it', async () => {
    const sidecar = h.build({ autoClassify: true, routing });
    const logStart = h.logLines.length;
    sidecar.follower?.start();
    await sidecar.follower?.drain();
    try {
      const arrivals = await sendAll(copies.slice(0, 5));
      const model = sidecar.service.model.onnxSha256;
      const admitted = arrivals.find((a) => a.rule === undefined) as Arrival;
      await until('the admitted image has its SR', () => srOf(admitted.uid, model));
      await sidecar.follower?.drain();
      await sidecar.queue.idle();
      for (const arrival of arrivals.filter((a) => a.rule !== undefined)) expect(await srOf(arrival.uid, model), arrival.rule).toBe(false);

      const lines = h.logLines.slice(logStart).map((line) => JSON.parse(line) as { msg?: string; SOPInstanceUID?: string; reason?: string });
      for (const arrival of arrivals.filter((a) => a.rule !== undefined && a.rule !== 'fixed')) {
        const line = lines.find((l) => l.msg === "not classified: the site's rules exclude it" && l.SOPInstanceUID === arrival.uid);
        expect(line?.reason, arrival.rule).toContain(`excluded by the site's rule "${arrival.rule}"`);
      }
      const icuLine = lines.find((l) => l.SOPInstanceUID === arrivals[1]?.uid && l.reason !== undefined);
      expect(icuLine?.reason).toBe(`excluded by the site's rule "icu senders" (callingAeTitle 'ICU3' ~ ICU*)`);
      // The fixed eligibility still decides first.
      expect(lines.some((l) => l.SOPInstanceUID === arrivals[4]?.uid && l.msg?.startsWith('not classified'))).toBe(false);
    } finally {
      await sidecar.follower?.stop();
    }
  }, 120_000);

  it('should list each excluded image of a study with its rule when asked through the API', async () => {
    const sidecar = h.build({ routing });
    const arrivals = await sendAll(copies.slice(5, 10));
    const response = await postJson(sidecar, '/api/classify', { studyInstanceUID: imageStudy });
    expect(response.status).toBe(200);
    const report = (await response.json()) as ClassifyReport;
    const classified = new Set(report.results.map((r) => r.SOPInstanceUID));
    const skipped = new Map(report.skipped.map((s) => [s.SOPInstanceUID, s.reason]));
    expect(classified.has((arrivals[0] as Arrival).uid)).toBe(true);
    for (const arrival of arrivals.slice(1, 4)) expect(skipped.get(arrival.uid), arrival.rule).toContain(`excluded by the site's rule "${arrival.rule}"`);
    expect(skipped.get((arrivals[4] as Arrival).uid)).toBe('body part FOOT is not CHEST');
    // Counted by rule for the operators; the fixed eligibility's refusals are not the rules'.
    const metrics = await (await sidecar.app.request('/metrics', { headers: auth })).text();
    for (const rule of ['icu senders', 'portables', 'lateral by description']) expect(metrics).toMatch(new RegExp(`cxr_images_excluded_total\\{rule="${rule}"\\} [1-9]`));
    expect(metrics).not.toMatch(/cxr_images_excluded_total\{rule="\(no include rule\)"\}/);
  }, 120_000);
});
