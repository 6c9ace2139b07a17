/**
 * The TID 1500 result in OHIF's own measurement panel: the real viewer in Debian's Chromium, the real
 * sidecar and Orthanc, the real chest X-ray. Opening the Measurements panel with the result in view
 * loads its measurement groups into OHIF's measurements (the cornerstone adapters' hydration): each
 * positive finding's region is listed with the finding's name and its score, and drawn on the image.
 * Screenshots go to artifacts/browser/; docs/ holds the one the README shows.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifactsDir, realJpegBaselineDcm } from '../support/paths.ts';
import { dicomVariant, realImageUids } from './support/dicomVariant.ts';
import {
  activeViewport,
  classifyButton,
  dismissFirstRunOverlays,
  findingRows,
  notificationsGone,
  openStudy,
  showsImage,
  waitForFindings,
} from './support/viewerPage.ts';
import { readPart10, startViewerStack, type ViewerStack } from './support/viewerStack.ts';

const screenshots = join(artifactsDir, 'browser');
let stack: ViewerStack;
let realImage: Uint8Array;

beforeAll(async () => {
  await mkdir(screenshots, { recursive: true });
  realImage = await readPart10(realJpegBaselineDcm);
  stack = await startViewerStack();
}, 180_000);

afterAll(async () => {
  await stack?.stop();
});

type Json = Record<string, { Value?: unknown[] } | undefined>;

function sequence(item: Json | undefined, tag: string): Json[] {
  return (item?.[tag]?.Value ?? []) as Json[];
}

function first(item: Json | undefined, tag: string): unknown {
  return item?.[tag]?.Value?.[0];
}

function codeValue(item: Json): unknown {
  return first(sequence(item, '0040A043')[0], '00080100');
}

/**
 * Each measurement group of the stored result, as Orthanc's DICOMweb gives it (not through the viewer):
 * its Tracking Identifier and its Certainty of Finding NUM, formatted as OHIF formats a NUM (two decimals).
 */
async function resultGroups(StudyInstanceUID: string, SeriesInstanceUID: string): Promise<Array<{ name: string; score: string }>> {
  const { username, password } = stack.orthanc.credentials;
  const response = await fetch(`${stack.orthanc.url}/dicom-web/studies/${StudyInstanceUID}/series/${SeriesInstanceUID}/metadata`, {
    headers: { Authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`, Accept: 'application/dicom+json' },
  });
  if (!response.ok) throw new Error(`the result's metadata: ${response.status}`);
  const [sr] = (await response.json()) as Json[];
  // ContentSequence (0040,A730) → Imaging Measurements (126010) → Measurement Group (125007).
  const measurements = sequence(sr, '0040A730').find((item) => codeValue(item) === '126010');
  return sequence(measurements, '0040A730')
    .filter((item) => codeValue(item) === '125007')
    .map((group) => {
      const children = sequence(group, '0040A730');
      const name = first(children.find((item) => codeValue(item) === '112039'), '0040A160');
      const num = children.find((item) => codeValue(item) === '111012');
      const value = Number(first(sequence(num, '0040A300')[0], '0040A30A'));
      return { name: String(name), score: value.toFixed(2) };
    });
}

describe("OHIF's measurement panel, from the TID 1500 result", () => {
  it("should list each positive finding's region with the finding's name and score, and draw it on the image, at 1280×720", { timeout: 240_000 }, async () => {
    const variant = dicomVariant(realImage, realImageUids, 31);
    await stack.upload(variant.part10);
    const page = await stack.newPage({ width: 1280, height: 720 });
    let tab: Page | undefined;
    try {
      await openStudy(page, stack.baseUrl, variant.StudyInstanceUID);
      await classifyButton(page).click();
      await waitForFindings(page);
      const positives = await page.locator('[data-cy="cxr-finding"][data-positive="true"]').count();
      expect(positives, 'the demo model puts some findings at or above the operating point').toBeGreaterThan(0);
      expect(await findingRows(page).count()).toBe(18);
      const link = page.locator('[data-cy="cxr-findings-report-link"]');
      await link.waitFor({ state: 'visible', timeout: 30_000 });
      const href = (await link.getAttribute('href')) ?? '';
      const resultSeries = new URL(href, stack.baseUrl).searchParams.get('initialSeriesInstanceUID') ?? '';
      const groups = await resultGroups(variant.StudyInstanceUID, resultSeries);
      expect(groups, 'one group per positive finding').toHaveLength(positives);

      tab = await stack.newPage({ width: 1280, height: 720 });
      const pageErrors: string[] = [];
      tab.on('pageerror', (error) => pageErrors.push(error.message));
      await tab.goto(href);
      // The result as OHIF opens it: its regions drawn read-only from the SR, labelled by their NUMs.
      await tab.getByText('Certainty of Finding', { exact: false }).first().waitFor({ state: 'visible', timeout: 45_000 });
      await dismissFirstRunOverlays(tab);

      // The reader opens OHIF's Measurements panel: the regions are loaded into it.
      await tab.locator('[data-cy="trackedMeasurements-btn"]').click();
      const rows = tab.locator('[data-cy^="measurement-table-row-"]');
      await expect.poll(() => rows.count(), { timeout: 45_000 }).toBe(groups.length);
      const texts = await rows.allInnerTexts();
      for (const { name, score } of groups) {
        expect(
          texts.filter((text) => text.includes(`${name}: ${score} %`)),
          `one row for ${name} with its score`,
        ).toHaveLength(1);
      }
      expect(await tab.getByText(`Measurements (${groups.length})`, { exact: true }).count()).toBe(1);
      // The image stays, now with the regions as OHIF's own measurements on it.
      expect(await showsImage(activeViewport(tab))).toBe(true);
      const drawn = activeViewport(tab).locator('svg [data-annotation-uid]');
      await expect
        .poll(() => drawn.evaluateAll((nodes) => new Set(nodes.map((node) => node.getAttribute('data-annotation-uid'))).size), { timeout: 30_000 })
        .toBe(groups.length);
      expect(pageErrors).toEqual([]);
      await notificationsGone(tab);
      await tab.screenshot({ path: join(screenshots, 'viewer-measurement-panel-1280x720.png') });
    } finally {
      await tab?.close();
      await page.close();
    }
  });
});
