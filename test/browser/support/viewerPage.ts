/**
 * What a user does in the viewer, as playwright steps: open a study, clear first-run overlays, press
 * Classify findings, read the report and the notifications.
 */
import type { Locator, Page } from 'playwright-core';

export const classifyButtonName = 'Classify findings';
/** The toolbar button's id (`data-cy` and `name` attributes of OHIF's ToolButton). */
const classifyButtonId = 'ClassifyFindings';

export function viewerUrl(baseUrl: string, StudyInstanceUID: string): string {
  return `${baseUrl}/viewer?StudyInstanceUIDs=${encodeURIComponent(StudyInstanceUID)}`;
}

export function classifyButton(page: Page): Locator {
  return page.getByRole('button', { name: classifyButtonName });
}

/** The viewport pane OHIF marks active: the SR report is rendered there as text. */
export function activeViewport(page: Page): Locator {
  return page.locator('[data-cy="viewport-pane"][data-is-active="true"]');
}

/** OHIF's notifications (sonner toasts). */
export function notifications(page: Page): Locator {
  return page.locator('[data-sonner-toast]');
}

/**
 * The onboarding tour and the "investigational use" banner appear on a first visit. The served
 * app-config turns both off; if a future viewer shows them anyway, they are dismissed like a user would.
 */
export async function dismissFirstRunOverlays(page: Page): Promise<void> {
  const tourSkip = page.locator('.shepherd-element button', { hasText: /skip/i });
  if (await tourSkip.isVisible()) await tourSkip.click();
  const confirmAndHide = page.locator('[data-cy="confirm-and-hide-button"]');
  if (await confirmAndHide.isVisible()) await confirmAndHide.click();
}

/** Opens the study and waits until the image is shown and the button is enabled for it. */
export async function openStudy(page: Page, baseUrl: string, StudyInstanceUID: string, timeoutMs = 45_000): Promise<void> {
  await page.goto(viewerUrl(baseUrl, StudyInstanceUID));
  // Enabled only once the image is shown and judged classifiable (the toolbar evaluator).
  await page.locator(`button[name="${classifyButtonId}"]:enabled`).waitFor({ state: 'visible', timeout: timeoutMs });
  await dismissFirstRunOverlays(page);
}

/** Waits until the active viewport shows the report's Impression. */
export async function waitForReport(page: Page, timeoutMs = 30_000): Promise<void> {
  await activeViewport(page).getByText('Impression', { exact: false }).first().waitFor({ state: 'visible', timeout: timeoutMs });
}

/** Waits until no CSS animation or transition runs (a toast sliding in), so a screenshot shows the settled page. */
export async function settled(page: Page, timeoutMs = 5_000): Promise<void> {
  // A string: it runs in the page, and this project's TypeScript has no DOM library.
  await page.waitForFunction("document.getAnimations().every((animation) => animation.playState !== 'running')", null, { timeout: timeoutMs });
}
