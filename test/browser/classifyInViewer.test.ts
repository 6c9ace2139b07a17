/**
 * The product as a user meets it: the real viewer in Debian's Chromium, served by the real sidecar,
 * reading from a real Orthanc that holds the real chest X-ray. Screenshots go to artifacts/browser/;
 * docs/ holds copies of the ones the README shows.
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
  findingsPanel,
  investigationalNotice,
  notifications,
  notificationsGone,
  openStudy,
  settled,
  showsImage,
  viewerUrl,
  viewportPanes,
  waitForClassifiableImage,
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
});

afterAll(async () => {
  await stack?.stop();
});

async function newPage(size: { width: number; height: number } = { width: 1280, height: 720 }): Promise<Page> {
  return stack.newPage(size);
}

type DicomJson = Record<string, { Value?: unknown[] }>;

/** DICOM JSON from Orthanc's DICOMweb, asked directly (not through the viewer); [] for no content. */
async function orthancDicomJson(path: string): Promise<DicomJson[]> {
  const { username, password } = stack.orthanc.credentials;
  const response = await fetch(`${stack.orthanc.url}/dicom-web${path}`, {
    headers: { Authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`, Accept: 'application/dicom+json' },
  });
  if (response.status === 204) return [];
  if (!response.ok) throw new Error(`Orthanc answered ${response.status} for ${path}`);
  return (await response.json()) as DicomJson[];
}

/** SR series of a study, asked of Orthanc directly (not through the viewer). */
async function srSeriesOf(StudyInstanceUID: string): Promise<Array<{ SeriesInstanceUID: string; SeriesDescription: string; instances: number }>> {
  const body = await orthancDicomJson(`/studies/${StudyInstanceUID}/series?Modality=SR&includefield=0008103E`);
  return body.map((series) => ({
    SeriesInstanceUID: String(series['0020000E']?.Value?.[0]),
    SeriesDescription: String(series['0008103E']?.Value?.[0] ?? ''),
    instances: Number(series['00201209']?.Value?.[0] ?? 0),
  }));
}

/** Content items of a DICOM JSON item: its Content Sequence (0040,A730). */
function contentOf(item: DicomJson | undefined): DicomJson[] {
  return (item?.['0040A730']?.Value ?? []) as DicomJson[];
}

function conceptValue(item: DicomJson): unknown {
  return ((item['0040A043']?.Value?.[0] ?? {}) as DicomJson)['00080100']?.Value?.[0];
}

/**
 * Each measurement group's region in the stored TID 1500 result, by its Tracking Identifier (the name the
 * panel shows), as Orthanc holds it: the SCOORD's Graphic Data, image pixel coordinates.
 */
async function storedRegions(StudyInstanceUID: string): Promise<Map<string, number[]>> {
  const result = (await srSeriesOf(StudyInstanceUID)).find((series) => series.SeriesDescription.startsWith('CXR result'));
  if (!result) throw new Error('no result SR in the study');
  const [sr] = await orthancDicomJson(`/studies/${StudyInstanceUID}/series/${result.SeriesInstanceUID}/metadata`);
  const regions = new Map<string, number[]>();
  const walk = (items: DicomJson[]): void => {
    for (const item of items) {
      if (conceptValue(item) !== '125007') {
        walk(contentOf(item));
        continue;
      }
      const descendants = [...contentOf(item), ...contentOf(item).flatMap(contentOf)];
      const name = descendants.find((child) => conceptValue(child) === '112039')?.['0040A160']?.Value?.[0];
      const scoord = descendants.find((child) => child['0040A040']?.Value?.[0] === 'SCOORD');
      if (typeof name === 'string' && scoord) regions.set(name, (scoord['00700022']?.Value ?? []).map(Number));
    }
  };
  walk(contentOf(sr));
  return regions;
}

/** The rows' `data-positive` flags, top to bottom, and whether a row lies inside the window. */
async function rowFlags(page: Page): Promise<boolean[]> {
  return (await findingRows(page).evaluateAll((rows) => rows.map((row) => row.getAttribute('data-positive')))).map((flag) => flag === 'true');
}

async function bottomOf(page: Page, selector: string): Promise<number> {
  const locator = page.locator(selector).first();
  await locator.waitFor({ state: 'visible', timeout: 5_000 });
  const box = await locator.boundingBox();
  if (!box) throw new Error(`${selector} is not laid out`);
  return box.y + box.height;
}

const panelSelector = '[data-cy="cxr-findings-panel"]';
const uidPattern = /\d+(\.\d+){3,}/;

/** A finding row's (or the panel's) text without the region and heatmap buttons' labels at the ends of the rows' lines. */
function withoutToggles(text: string): string {
  return text.replace(/(?<=[≥<] \d+)(box)?(map…?|hide)?$/gm, '');
}

/** RGB of the screenshot's pixels around (x, y), decoded by Chromium itself in a blank page (no PNG library). */
async function pixelsAround(png: Buffer, points: ReadonlyArray<readonly [number, number]>, radius = 3): Promise<Array<[number, number, number]>> {
  const page = await newPage();
  try {
    // A string, not a function: the tests are type-checked without the DOM library.
    const script = `(async ({ data, points, radius }) => {
      const image = new Image();
      image.src = 'data:image/png;base64,' + data;
      await image.decode();
      const canvas = document.createElement('canvas');
      canvas.width = image.width;
      canvas.height = image.height;
      const context = canvas.getContext('2d');
      context.drawImage(image, 0, 0);
      return points.map(([x, y]) => {
        const px = context.getImageData(Math.round(x) - radius, Math.round(y) - radius, 2 * radius + 1, 2 * radius + 1).data;
        const mean = [0, 0, 0];
        for (let i = 0; i < px.length; i += 4) for (let c = 0; c < 3; c++) mean[c] += px[i + c] / (px.length / 4);
        return mean;
      });
    })(${JSON.stringify({ data: png.toString('base64'), points, radius })})`;
    return (await page.evaluate(script)) as Array<[number, number, number]>;
  } finally {
    await page.close();
  }
}
const sizes = [
  { width: 1280, height: 720, variant: 11 },
  { width: 1920, height: 1080, variant: 12 },
] as const;
const heatmapSizes = [
  { width: 1280, height: 720, variant: 18 },
  { width: 1920, height: 1080, variant: 19 },
] as const;

// One browser and one study list serve the file's scenarios, and the last test sums up what the CSP refused
// on every page before it: they run in order, while files (and the tests of other files) run shuffled.
describe('viewer', { shuffle: false }, () => {
  describe('classifying the chest X-ray in front of the user', () => {
    it.each(sizes)('should keep the image and list its findings beside it, positives first, on the first screen at $width×$height', { timeout: 180_000 }, async (size) => {
      const variant = dicomVariant(realImage, realImageUids, size.variant);
      await stack.upload(variant.part10);
      const page = await newPage(size);
      try {
        await openStudy(page, stack.baseUrl, variant.StudyInstanceUID);
        // The button says what it does, and its tooltip names the shortcut.
        await expect.poll(() => classifyButton(page).innerText()).toBe('Classify findings');
        expect(await classifyButton(page).getAttribute('title')).toMatch(/findings beside the image \(Shift\+F\)/);
        if (size.width === 1280) {
          await settled(page);
          await page.screenshot({ path: join(screenshots, 'viewer-classify-button.png') });
        }
        expect(await srSeriesOf(variant.StudyInstanceUID)).toEqual([]);
        // A marker on window survives only if the page is not reloaded.
        await page.evaluate('window.cxrNoReload = true');

        await classifyButton(page).click();
        await waitForFindings(page);
        await page.evaluate(`window.cxrPanelNode = document.querySelector('${panelSelector}')`);

        expect(await page.evaluate('window.cxrNoReload')).toBe(true);
        expect(await showsImage(activeViewport(page)), 'the image stays in its viewport').toBe(true);
        const flags = await rowFlags(page);
        expect(flags).toHaveLength(18);
        expect(flags.filter(Boolean).length, 'the demo model puts some findings at or above the operating point').toBeGreaterThan(0);
        expect(flags, 'positives first').toEqual([...flags].sort((a, b) => Number(b) - Number(a)));
        // The first screen holds the banner, the image's name and the positives (the rest scrolls).
        const lastPositive = `[data-cy="cxr-finding"][data-positive="true"] >> nth=${flags.filter(Boolean).length - 1}`;
        expect(await bottomOf(page, lastPositive)).toBeLessThanOrEqual(size.height);
        for (const row of await findingRows(page).allInnerTexts()) expect(withoutToggles(row)).toMatch(/\d+(\.\d)? [≥<] 50$/);
        // The rest is a scroll away inside the panel, not cut off.
        await findingRows(page).last().scrollIntoViewIfNeeded();
        expect(await bottomOf(page, '[data-cy="cxr-finding"] >> nth=17')).toBeLessThanOrEqual(size.height);
        expect(await showsImage(activeViewport(page)), 'scrolling the panel leaves the image').toBe(true);
        const panel = await findingsPanel(page).innerText();
        expect(panel).toMatch(/DEMO MODEL - not clinically meaningful/);
        expect(panel).toMatch(/Findings for “view: PA” \(series 1\), image 1/);
        expect(panel).toMatch(/Model: .+\nVersion: densenet121-res224-all-demo@[0-9a-f]{12} · kind: demo/);
        expect(panel).not.toMatch(uidPattern);
        const notice = notifications(page).filter({ hasText: /at or above their operating point/ });
        expect(await notice.first().innerText()).toMatch(/DEMO MODEL/);

        // Two SRs: the TID 1500 result (what the viewer opens and reads back) and the readable report.
        const srs = await srSeriesOf(variant.StudyInstanceUID);
        expect(srs.map((s) => s.SeriesDescription).sort()).toEqual([expect.stringMatching(/^CXR report \(AI\)/), expect.stringMatching(/^CXR result \(AI\)/)]);
        const result = srs.find((s) => s.SeriesDescription.startsWith('CXR result'));
        const seriesLabels = page.locator('#ohif-thumbnail-list [data-cy="series-description-label"]');
        await expect.poll(() => seriesLabels.allTextContents()).toContain(result?.SeriesDescription);
        // The SR series arriving in the study say nothing new: the panel is not rebuilt (which would throw away
        // the user's scroll inside it).
        expect(await page.evaluate(`window.cxrPanelNode === document.querySelector('${panelSelector}')`), 'the panel kept its DOM').toBe(true);
        const reportHref = await page.locator('[data-cy="cxr-findings-report-link"]').getAttribute('href');
        expect(reportHref).toContain(`initialSeriesInstanceUID=${result?.SeriesInstanceUID}`);
        await notificationsGone(page);
        await page.screenshot({ path: join(screenshots, `viewer-findings-panel-${size.width}x${size.height}.png`) });

        // The link opens the TID 1500 result in a tab of its own (this tab keeps the image): OHIF opens it
        // without an error and draws each positive finding's region, labelled with its score.
        const reportTab = await newPage(size);
        const pageErrors: string[] = [];
        reportTab.on('pageerror', (error) => pageErrors.push(error.message));
        try {
          await reportTab.goto(reportHref ?? '');
          await reportTab.getByText('Certainty of Finding', { exact: false }).first().waitFor({ state: 'visible', timeout: 30_000 });
          const positives = flags.filter(Boolean).length;
          expect(await reportTab.getByText(/^Certainty of Finding: \d+\.\d\d %/).count()).toBeGreaterThanOrEqual(positives);
          expect(pageErrors).toEqual([]);
          // Beside the report too: the panel with the banner and the report's findings.
          await waitForFindings(reportTab);
          expect(await reportTab.locator('[data-cy="cxr-findings-model-banner"]').innerText()).toMatch(/^DEMO MODEL - not clinically meaningful/);
          await dismissFirstRunOverlays(reportTab);
          await settled(reportTab);
          await reportTab.screenshot({ path: join(screenshots, `viewer-full-report-${size.width}x${size.height}.png`) });
        } finally {
          await reportTab.close();
        }
        expect(await showsImage(activeViewport(page))).toBe(true);
      } finally {
        await page.close();
      }
    });

    it.each(heatmapSizes)('should lay a positive finding\'s heatmap over the image on request, red where the CAM is high, and take it away again, at $width×$height', { timeout: 180_000 }, async (size) => {
      const variant = dicomVariant(realImage, realImageUids, size.variant);
      await stack.upload(variant.part10);
      const page = await newPage(size);
      try {
        await openStudy(page, stack.baseUrl, variant.StudyInstanceUID);
        await classifyButton(page).click();
        await waitForFindings(page);
        // The toggles come with the TID 1500 result's series, which joins the study after the answer.
        const toggles = page.locator('[data-cy="cxr-heatmap-toggle"]');
        await toggles.first().waitFor({ state: 'visible', timeout: 30_000 });
        const positives = await page.locator('[data-cy="cxr-finding"][data-positive="true"]').count();
        expect(await toggles.count(), 'one toggle per positive finding').toBe(positives);
        expect(await page.locator('[data-cy="cxr-finding"][data-positive="false"] [data-cy="cxr-heatmap-toggle"]').count()).toBe(0);
        await notificationsGone(page);
        await settled(page);
        const viewport = activeViewport(page);
        const before = await page.screenshot();

        const finding = await toggles.first().getAttribute('data-finding');
        expect(await toggles.first().getAttribute('aria-label')).toBe(`Show where the model looked for ${finding}`);
        await toggles.first().click();
        const overlay = viewport.locator('[data-cy="cxr-heatmap-overlay"]');
        await overlay.waitFor({ state: 'attached', timeout: 30_000 });
        await expect.poll(() => overlay.getAttribute('data-peak')).toMatch(/^[\d.]+,[\d.]+$/);
        await expect.poll(() => toggles.first().getAttribute('aria-pressed')).toBe('true');
        expect(await toggles.first().getAttribute('aria-label')).toBe(`Hide where the model looked for ${finding}`);
        const legend = page.locator('[data-cy="cxr-heatmap-legend"]');
        expect(await legend.innerText()).toContain(`Where the model looked for ${finding}`);
        await settled(page);
        const after = await page.screenshot({ path: join(screenshots, `viewer-heatmap-${size.width}x${size.height}.png`) });
        expect(await showsImage(viewport), 'the image stays under the heatmap').toBe(true);

        // Where the CAM peaks the overlay is at its strongest: red rises over blue. Where it is lowest (the
        // corner of the crop the model ranked last) the image is left almost as it was.
        const box = await overlay.boundingBox();
        if (!box) throw new Error('the overlay is not laid out');
        const [px = 0, py = 0] = ((await overlay.getAttribute('data-peak')) ?? '').split(',').map(Number);
        const peak = [box.x + px, box.y + py] as const;
        expect(peak[0]).toBeGreaterThan(box.x);
        expect(peak[0]).toBeLessThan(box.x + box.width);
        const [[r0, , b0] = [0, 0, 0], [r1, , b1] = [0, 0, 0]] = [...(await pixelsAround(before, [peak])), ...(await pixelsAround(after, [peak]))];
        expect(Math.abs(r0 - b0), 'a grey image before').toBeLessThan(8);
        expect(r1 - b1, 'red over blue where the CAM is high').toBeGreaterThan(60);

        // Opacity is the reader's: lower, the image shows through more.
        await page.locator('[data-cy="cxr-heatmap-opacity"]').fill('0.2');
        await settled(page);
        const [[r2, , b2] = [0, 0, 0]] = await pixelsAround(await page.screenshot(), [peak]);
        expect(r2 - b2).toBeLessThan(r1 - b1);
        expect(r2 - b2).toBeGreaterThan(10);

        await toggles.first().click();
        await overlay.waitFor({ state: 'detached', timeout: 10_000 });
        await settled(page);
        const [[r3, , b3] = [0, 0, 0]] = await pixelsAround(await page.screenshot(), [peak]);
        expect(Math.abs(r3 - b3), 'grey again once hidden').toBeLessThan(8);
      } finally {
        await page.close();
      }
    });

    it("should outline a positive finding's region on the image where the stored result puts it, and take it away again", { timeout: 180_000 }, async () => {
      const variant = dicomVariant(realImage, realImageUids, 20);
      await stack.upload(variant.part10);
      const page = await newPage();
      try {
        await openStudy(page, stack.baseUrl, variant.StudyInstanceUID);
        await classifyButton(page).click();
        await waitForFindings(page);
        // The answer names the regions: their toggles come with the findings.
        const toggles = page.locator('[data-cy="cxr-region-toggle"]');
        await toggles.first().waitFor({ state: 'visible', timeout: 30_000 });
        const positives = await page.locator('[data-cy="cxr-finding"][data-positive="true"]').count();
        expect(await toggles.count(), 'one region toggle per positive finding').toBe(positives);
        expect(await page.locator('[data-cy="cxr-finding"][data-positive="false"] [data-cy="cxr-region-toggle"]').count()).toBe(0);
        await notificationsGone(page);
        await settled(page);
        const viewport = activeViewport(page);
        const before = await page.screenshot();

        // Where each region is, by the stored result (read from Orthanc, not from the viewer). The demo model's
        // regions often span the whole image: the one farthest from the image's borders is checked.
        const [image] = await orthancDicomJson(`/studies/${variant.StudyInstanceUID}/series/${variant.SeriesInstanceUID}/instances/${variant.SOPInstanceUID}/metadata`);
        const rows = Number(image?.['00280010']?.Value?.[0]);
        const columns = Number(image?.['00280011']?.Value?.[0]);
        const boxes = [...(await storedRegions(variant.StudyInstanceUID))].map(([name, graphic]) => {
          expect(graphic, `${name}: a closed box of five points`).toHaveLength(10);
          const xs = graphic.filter((_, i) => i % 2 === 0);
          const ys = graphic.filter((_, i) => i % 2 === 1);
          const [left, right, top, bottom] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
          // Which of its edges lie inside the image (those on its border meet the viewport's own frame).
          const inner = { left: left > 20, right: columns - right > 20, top: top > 20, bottom: rows - bottom > 20 };
          return { name, left, right, top, bottom, inner, innerEdges: Object.values(inner).filter(Boolean).length };
        });
        expect(boxes.map((b) => b.name).sort(), 'a region for each positive finding').toEqual((await toggles.evaluateAll((all) => all.map((t) => t.getAttribute('data-finding')))).sort());
        const chosen = boxes.reduce((best, b) => (b.innerEdges > best.innerEdges ? b : best));
        expect(chosen.innerEdges, 'a region with edges inside the image (the real image classified by the demo model has some)').toBeGreaterThanOrEqual(2);
        const { name: finding, left, right, top, bottom, inner } = chosen;
        const toggle = page.locator(`[data-cy="cxr-region-toggle"][data-finding="${finding}"]`);
        expect(await toggle.getAttribute('aria-label')).toBe(`Outline the region of ${finding}`);
        await toggle.click();
        const overlay = viewport.locator('[data-cy="cxr-region-overlay"]');
        await overlay.waitFor({ state: 'attached', timeout: 10_000 });
        await expect.poll(() => overlay.getAttribute('data-findings')).toBe(finding);
        await expect.poll(() => toggle.getAttribute('aria-pressed')).toBe('true');
        expect(await page.locator('[data-cy="cxr-region-note"]').innerText()).toContain(`Outlined (amber): ${finding}.`);
        await settled(page);
        const after = await page.screenshot({ path: join(screenshots, 'viewer-region-1280x720.png') });
        expect(await showsImage(viewport), 'the image stays under the outline').toBe(true);

        // The box's four edges on the screen, through where the image lies in the viewport.
        const box = await overlay.boundingBox();
        if (!box) throw new Error('the overlay is not laid out');
        const [ix0 = 0, iy0 = 0, ix1 = 0, iy1 = 0] = ((await overlay.getAttribute('data-image-box')) ?? '').split(',').map(Number);
        // The image as cornerstone fits it: its own aspect, inside the viewport.
        expect((ix1 - ix0) / (iy1 - iy0)).toBeCloseTo(columns / rows, 2);
        expect(ix0).toBeGreaterThanOrEqual(-1);
        expect(ix1).toBeLessThanOrEqual(box.width + 1);
        const at = (x: number, y: number) => [box.x + ix0 + (x / columns) * (ix1 - ix0), box.y + iy0 + (y / rows) * (iy1 - iy0)] as const;
        const middle = [(left + right) / 2, (top + bottom) / 2] as const;
        const edges = [inner.left && at(left, middle[1]), inner.right && at(right, middle[1]), inner.top && at(middle[0], top), inner.bottom && at(middle[0], bottom)].filter((edge) => edge !== false);
        const inside = at(...middle);
        const amber = ([r, , b]: readonly number[]) => (r ?? 0) - (b ?? 0);
        const [ahead, drawn, afterInside] = [await pixelsAround(before, edges, 1), await pixelsAround(after, edges, 1), await pixelsAround(after, [inside], 1)];
        for (const [i, pixel] of ahead.entries()) expect(Math.abs(amber(pixel)), `a grey image at edge ${i} before`).toBeLessThan(8);
        for (const [i, pixel] of drawn.entries()) expect(amber(pixel), `amber on edge ${i} of the region`).toBeGreaterThan(100);
        expect(Math.abs(amber(afterInside[0] ?? [])), 'an outline, not a fill: the image shows inside').toBeLessThan(8);

        // Each finding's toggle is its own: a second region joins the first, and the first goes alone.
        const second = page.locator(`[data-cy="cxr-region-toggle"]:not([data-finding="${finding}"])`).first();
        const other = (await second.getAttribute('data-finding')) ?? '';
        await second.click();
        await expect.poll(() => overlay.getAttribute('data-findings')).toBe(`${finding}|${other}`);
        await toggle.click();
        await expect.poll(() => overlay.getAttribute('data-findings')).toBe(other);
        await expect.poll(() => toggle.getAttribute('aria-pressed')).toBe('false');
        await second.click();
        await overlay.waitFor({ state: 'detached', timeout: 10_000 });
        expect(await page.locator('[data-cy="cxr-region-note"]').count()).toBe(0);
        await settled(page);
        const gone = await pixelsAround(await page.screenshot(), edges, 1);
        for (const [i, pixel] of gone.entries()) expect(Math.abs(amber(pixel)), `grey again at edge ${i} once hidden`).toBeLessThan(8);
      } finally {
        await page.close();
      }
    });

    it('should open the panel with the stored findings when an image classified earlier is shown again', { timeout: 120_000 }, async () => {
      const variant = dicomVariant(realImage, realImageUids, 13);
      await stack.upload(variant.part10);
      const page = await newPage();
      try {
        await openStudy(page, stack.baseUrl, variant.StudyInstanceUID);
        await classifyButton(page).click();
        await waitForFindings(page);
        const before = await findingsPanel(page).innerText();
        await page.reload();
        await waitForClassifiableImage(page);
        await dismissFirstRunOverlays(page);
        // Read back from the SR through the data source: same findings, same order, same scores.
        await waitForFindings(page);
        const after = await findingsPanel(page).innerText();
        // The heatmap toggles appear once the result's series has joined the study: not part of the findings.
        const rowsOf = (text: string) => withoutToggles(text.slice(text.indexOf('At or above'), text.indexOf('Model:')));
        expect(rowsOf(after)).toBe(rowsOf(before));
        // The regions are read back from the stored result too: one toggle per positive finding again.
        const positives = await page.locator('[data-cy="cxr-finding"][data-positive="true"]').count();
        await expect.poll(() => page.locator('[data-cy="cxr-finding"][data-positive="true"] [data-cy="cxr-region-toggle"]').count()).toBe(positives);
        expect(positives).toBeGreaterThan(0);
        expect(after).toMatch(/DEMO MODEL - not clinically meaningful/);
      } finally {
        await page.close();
      }
    });

    it('should keep both images of a side-by-side layout and say which image the findings belong to', { timeout: 180_000 }, async () => {
      const first = dicomVariant(realImage, realImageUids, 14);
      // Its own number: a variant of a variant ends in that number alone, like the other tests' variants.
      const second = dicomVariant(first.part10, first, 50, { keepStudy: true });
      await stack.upload(first.part10);
      await stack.upload(second.part10);
      const page = await newPage();
      try {
        await openStudy(page, stack.baseUrl, first.StudyInstanceUID);
        await page.locator('[data-cy="Layout"]').click();
        await page.locator('[data-cy="Layout-1-0"]').click();
        await expect.poll(() => viewportPanes(page).count()).toBe(2);
        await viewportPanes(page).nth(1).click();
        await waitForClassifiableImage(page);
        await expect.poll(async () => (await Promise.all([0, 1].map((i) => showsImage(viewportPanes(page).nth(i))))).every(Boolean)).toBe(true);

        await classifyButton(page).click();
        await waitForFindings(page);
        for (const i of [0, 1]) expect(await showsImage(viewportPanes(page).nth(i)), `viewport ${i + 1} still shows its image`).toBe(true);
        const label = await page.locator('[data-cy="cxr-findings-image"]').innerText();
        expect(label).toBe('Findings for “view: PA” (series 1), image 1 (active viewport, 2 of 2)');
        await notificationsGone(page);
        await page.screenshot({ path: join(screenshots, 'viewer-side-by-side.png') });
        // The other image has no findings yet, and the panel says so rather than keep the first's.
        await viewportPanes(page).nth(0).click();
        await page.locator('[data-cy="cxr-findings-empty"]').waitFor({ state: 'visible', timeout: 10_000 });
        expect(await page.locator('[data-cy="cxr-findings-image"]').innerText()).toMatch(/\(active viewport, 1 of 2\)$/);
        expect(await srSeriesOf(first.StudyInstanceUID)).toHaveLength(2);
      } finally {
        await page.close();
      }
    });

    it('should open the panel again on a press after the reader closed it, and keep it closed otherwise', { timeout: 120_000 }, async () => {
      const variant = dicomVariant(realImage, realImageUids, 17);
      await stack.upload(variant.part10);
      const page = await newPage();
      try {
        await openStudy(page, stack.baseUrl, variant.StudyInstanceUID);
        await classifyButton(page).click();
        await waitForFindings(page);
        await page.locator('[data-cy="side-panel-header-right"]').click();
        await findingRows(page).first().waitFor({ state: 'hidden', timeout: 10_000 });
        // Looking at the same image again does not overrule the reader…
        await activeViewport(page).click();
        expect(await findingRows(page).first().isVisible()).toBe(false);
        // …a press of the button is the reader asking for the findings.
        await classifyButton(page).click();
        await waitForFindings(page);
        expect(await srSeriesOf(variant.StudyInstanceUID)).toHaveLength(2);
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
        await waitForFindings(page);
        // The result and the readable report, once each.
        const srs = await srSeriesOf(variant.StudyInstanceUID);
        expect(srs.map((s) => s.instances)).toEqual([1, 1]);
      } finally {
        await page.close();
      }
    });

    it('should classify on the keyboard shortcut too', async () => {
      const variant = dicomVariant(realImage, realImageUids, 15);
      await stack.upload(variant.part10);
      const page = await newPage();
      try {
        await openStudy(page, stack.baseUrl, variant.StudyInstanceUID);
        await activeViewport(page).click();
        await page.keyboard.press('Shift+F');
        await waitForFindings(page);
        expect(await srSeriesOf(variant.StudyInstanceUID)).toHaveLength(2);
      } finally {
        await page.close();
      }
    });
  });

  describe('labelling', () => {
    it("should put the product's words, naming the demo model, in OHIF's investigational-use notice", async () => {
      const variant = dicomVariant(realImage, realImageUids, 16);
      await stack.upload(variant.part10);
      const page = await newPage();
      try {
        await page.goto(viewerUrl(stack.baseUrl, variant.StudyInstanceUID));
        await waitForClassifiableImage(page);
        await expect.poll(() => investigationalNotice(page).innerText()).toMatch(/^CXR Findings, shown in the OHIF Viewer, is for investigational use only\. Its DEMO model/);
        await settled(page);
        await page.screenshot({ path: join(screenshots, 'investigational-notice.png') });
      } finally {
        await page.close();
      }
    });
  });

  describe('when the sidecar refuses the image', () => {
    it('should say why in plain words, without UIDs, in a notification and in the panel, and store nothing', async () => {
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
        const message = await refusal.first().innerText();
        expect(message).toMatch(/This is a lateral view \(view position LL\)\. The model reads frontal \(PA or AP\) chest X-rays: open a frontal image/);
        expect(message).toMatch(/DEMO MODEL/);
        expect(message).not.toMatch(uidPattern);
        expect(await page.locator('[data-cy="cxr-findings-error"]').innerText()).toMatch(/lateral view/);
        expect(await showsImage(activeViewport(page))).toBe(true);
        expect(await srSeriesOf(lateral.StudyInstanceUID)).toEqual([]);
      } finally {
        await page.close();
      }
    });
  });

  describe('under its Content-Security-Policy', () => {
    // Tests in a file run in order (vitest.config.ts shuffles files only): this one sees every page above.
    it('should have had nothing refused by the policy on any page of this file', () => {
      expect(stack.policyViolations).toEqual([]);
    });
  });
});
