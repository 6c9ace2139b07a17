/**
 * The product as a user meets it: the real viewer in Debian's Chromium, served by the real sidecar,
 * reading from a real Orthanc that holds the real chest X-ray. Screenshots go to artifacts/browser/.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findingCodes } from '../../inference-service/src/sr/index.ts';
import { artifactsDir, realJpegBaselineDcm } from '../support/paths.ts';
import { dicomVariant, realImageUids } from './support/dicomVariant.ts';
import { activeViewport, classifyButton, notifications, openStudy, settled, waitForReport } from './support/viewerPage.ts';
import { readPart10, startViewerStack, type ViewerStack } from './support/viewerStack.ts';

const screenshots = join(artifactsDir, 'browser');
let stack: ViewerStack;
let realImage: Uint8Array;

beforeAll(async () => {
  await mkdir(screenshots, { recursive: true });
  realImage = await readPart10(realJpegBaselineDcm);
  stack = await startViewerStack();
});

afterAll(async () => {
  await stack?.stop();
});

async function newPage(): Promise<Page> {
  return stack.browser.newPage({ viewport: { width: 1400, height: 900 } });
}

/** SR series of a study, asked of Orthanc directly (not through the viewer). */
async function srSeriesOf(StudyInstanceUID: string): Promise<Array<{ SeriesInstanceUID: string; SeriesDescription: string; instances: number }>> {
  const { username, password } = stack.orthanc.credentials;
  const response = await fetch(`${stack.orthanc.url}/dicom-web/studies/${StudyInstanceUID}/series?Modality=SR&includefield=0008103E`, {
    headers: { Authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`, Accept: 'application/dicom+json' },
  });
  if (response.status === 204) return [];
  const body = (await response.json()) as Array<Record<string, { Value?: unknown[] }>>;
  return body.map((series) => ({
    SeriesInstanceUID: String(series['0020000E']?.Value?.[0]),
    SeriesDescription: String(series['0008103E']?.Value?.[0] ?? ''),
    instances: Number(series['00201209']?.Value?.[0] ?? 0),
  }));
}

describe('viewer', () => {
  describe('classifying the chest X-ray in front of the user', () => {
    it('should add the SR to the study without a reload and show its 18 findings with values and the impression', { timeout: 180_000 }, async () => {
      await stack.upload(realImage);
      const page = await newPage();
      try {
        await openStudy(page, stack.baseUrl, realImageUids.StudyInstanceUID);
        // The toolbar shows icons; the label is the tooltip (and the accessible name used above).
        await classifyButton(page).hover();
        await page.getByRole('tooltip').filter({ hasText: 'Classify findings' }).first().waitFor({ state: 'visible', timeout: 10_000 });
        await settled(page);
        await page.screenshot({ path: join(screenshots, 'button.png') });
        expect(await srSeriesOf(realImageUids.StudyInstanceUID)).toEqual([]);
        // A marker on window survives only if the page is not reloaded.
        await page.evaluate('window.cxrNoReload = true');

        await classifyButton(page).click();
        await waitForReport(page);
        // Tall enough for the whole report, Impression included, in one picture.
        await page.setViewportSize({ width: 1400, height: 1500 });
        await settled(page);
        await page.screenshot({ path: join(screenshots, 'report.png') });

        expect(await page.evaluate('window.cxrNoReload')).toBe(true);
        const report = await activeViewport(page).innerText();
        const meanings = Object.values(findingCodes).map((code) => code.CodeMeaning);
        expect(meanings).toHaveLength(18);
        for (const meaning of meanings) {
          expect(report, `the report should give a value for ${meaning}`).toMatch(new RegExp(`${meaning.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: \\d+(\\.\\d+)? %`));
        }
        expect(report).toMatch(/Impression/);

        const srs = await srSeriesOf(realImageUids.StudyInstanceUID);
        expect(srs).toHaveLength(1);
        const seriesLabels = page.locator('#ohif-thumbnail-list [data-cy="series-description-label"]');
        expect(await seriesLabels.allTextContents()).toContain(srs[0]?.SeriesDescription);
        // The SR is what the viewport shows now: the button has nothing to classify there.
        await expect.poll(() => classifyButton(page).isDisabled()).toBe(true);
      } finally {
        await page.close();
      }
    });

    it('should make one SR only when the button is double-clicked', async () => {
      const variant = dicomVariant(realImage, realImageUids, 1);
      await stack.upload(variant.part10);
      const page = await newPage();
      try {
        await openStudy(page, stack.baseUrl, variant.StudyInstanceUID);
        await classifyButton(page).dblclick();
        await waitForReport(page);
        const srs = await srSeriesOf(variant.StudyInstanceUID);
        expect(srs).toHaveLength(1);
        expect(srs[0]?.instances).toBe(1);
      } finally {
        await page.close();
      }
    });
  });

  describe('when the sidecar refuses the image', () => {
    it("should say the sidecar's reason in a notification and store nothing", async () => {
      // A lateral view: the viewer cannot tell from its metadata, the sidecar can and refuses.
      const lateral = dicomVariant(realImage, realImageUids, 2, { viewPosition: 'LL' });
      await stack.upload(lateral.part10);
      const page = await newPage();
      try {
        await openStudy(page, stack.baseUrl, lateral.StudyInstanceUID);
        await classifyButton(page).click();
        const refusal = notifications(page).filter({ hasText: /lateral/i });
        await refusal.first().waitFor({ state: 'visible', timeout: 30_000 });
        await settled(page);
        await page.screenshot({ path: join(screenshots, 'refused.png') });
        expect(await refusal.first().innerText()).toMatch(/view position LL/i);
        expect(await srSeriesOf(lateral.StudyInstanceUID)).toEqual([]);
      } finally {
        await page.close();
      }
    });
  });
});
