/**
 * What a user does in the viewer, as playwright steps: open a study, clear first-run overlays, press
 * Classify findings, read the findings panel and the notifications.
 */
import type { Locator, Page } from 'playwright-core';

export const classifyButtonName = 'Classify findings';
/** The toolbar button's id (`name` and `data-cy` of the extension's labelled button). */
const classifyButtonId = 'ClassifyFindings';

export function viewerUrl(baseUrl: string, StudyInstanceUID: string): string {
  return `${baseUrl}/viewer?StudyInstanceUIDs=${encodeURIComponent(StudyInstanceUID)}`;
}

export function classifyButton(page: Page): Locator {
  return page.getByRole('button', { name: classifyButtonName, exact: true });
}

/** The viewport pane OHIF marks active. */
export function activeViewport(page: Page): Locator {
  return page.locator('[data-cy="viewport-pane"][data-is-active="true"]');
}

export function viewportPanes(page: Page): Locator {
  return page.locator('[data-cy="viewport-pane"]');
}

/** The extension's findings panel, and its rows (`data-positive` says at or above the operating point). */
export function findingsPanel(page: Page): Locator {
  return page.locator('[data-cy="cxr-findings-panel"]');
}

export function findingRows(page: Page): Locator {
  return page.locator('[data-cy="cxr-finding"]');
}

/** OHIF's notifications (sonner toasts). */
export function notifications(page: Page): Locator {
  return page.locator('[data-sonner-toast]');
}

/** OHIF's investigational-use notice (shown once per browser session). */
export function investigationalNotice(page: Page): Locator {
  return page.locator('[data-cy="confirm-and-hide-button"]').locator('..');
}

/** The onboarding tour (switched off by the app-config) and the investigational-use notice, dismissed as a user would. */
export async function dismissFirstRunOverlays(page: Page): Promise<void> {
  const tourSkip = page.locator('.shepherd-element button', { hasText: /skip/i });
  if (await tourSkip.isVisible()) await tourSkip.click();
  const confirmAndHide = page.locator('[data-cy="confirm-and-hide-button"]');
  if (await confirmAndHide.isVisible()) await confirmAndHide.click();
}

/** Waits until the image is shown and the button is enabled for it. */
export async function waitForClassifiableImage(page: Page, timeoutMs = 45_000): Promise<void> {
  // Enabled only once the image is shown and judged classifiable (the toolbar evaluator).
  await page.locator(`button[name="${classifyButtonId}"]:enabled`).waitFor({ state: 'visible', timeout: timeoutMs });
}

/** Opens the study and waits until the image is shown and the button is enabled for it. */
export async function openStudy(page: Page, baseUrl: string, StudyInstanceUID: string, timeoutMs = 45_000): Promise<void> {
  await page.goto(viewerUrl(baseUrl, StudyInstanceUID));
  await waitForClassifiableImage(page, timeoutMs);
  await dismissFirstRunOverlays(page);
}

/** Waits until the findings panel lists findings. */
export async function waitForFindings(page: Page, timeoutMs = 30_000): Promise<void> {
  await findingRows(page).first().waitFor({ state: 'visible', timeout: timeoutMs });
}

/** Waits until no CSS animation or transition runs (a toast sliding in), so a screenshot shows the settled page. */
export async function settled(page: Page, timeoutMs = 5_000): Promise<void> {
  // Polled with evaluate (DevTools protocol), not waitForFunction: that compiles its predicate with
  // eval inside the page, which the viewer's Content-Security-Policy rightly refuses. A string: this
  // project's TypeScript has no DOM library.
  const deadline = Date.now() + timeoutMs;
  while (!(await page.evaluate("document.getAnimations().every((animation) => animation.playState !== 'running')"))) {
    if (Date.now() > deadline) throw new Error(`settled: animations still running after ${timeoutMs} ms`);
    await page.waitForTimeout(50);
  }
}

/** Waits until the notifications have closed by themselves (a screenshot for the docs shows the page, not a toast). */
export async function notificationsGone(page: Page, timeoutMs = 15_000): Promise<void> {
  // Polled with evaluate, not waitForFunction, for the viewer's Content-Security-Policy (see settled).
  const deadline = Date.now() + timeoutMs;
  while (!(await page.evaluate("document.querySelectorAll('[data-sonner-toast]').length === 0"))) {
    if (Date.now() > deadline) throw new Error(`notificationsGone: notifications still shown after ${timeoutMs} ms`);
    await page.waitForTimeout(100);
  }
  await settled(page);
}

/** True when a viewport pane shows an image (a cornerstone canvas), not a report's text. */
export async function showsImage(pane: Locator): Promise<boolean> {
  return (await pane.locator('canvas').count()) > 0 && !(await pane.innerText()).includes('Impression');
}
