/**
 * Logging into the viewer through a real OpenID provider (npm `oidc-provider`, started here), on the
 * product as `npm start` runs it with CXR_AUTH=oidc: OHIF's own code + PKCE flow, the study list,
 * a classification with the user's access token, logout, and nothing afterwards without a new login.
 * A user without the classify role is told so. No part of the token check is replaced.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configEnv, dataFiles } from '../../inference-service/src/config/defaults.ts';
import { findFreePort } from '../../tooling/freePort.ts';
import { ensureDebianPackages } from '../../tooling/setup/debianPackages.ts';
import { ensureOhifViewer } from '../../tooling/setup/ohifViewer.ts';
import { type NpmStart, startNpmStart } from '../support/npmStart.ts';
import { oidcAudience, startOidcProvider, type TestOidcProvider, viewerClientId } from '../support/oidcProvider.ts';
import { artifactsDir, realJpegBaselineDcm } from '../support/paths.ts';
import { dicomVariant, realImageUids } from './support/dicomVariant.ts';
import { classifyButton, notifications, openStudy, waitForFindings } from './support/viewerPage.ts';
import { chromiumArgs, chromiumPath } from './support/viewerStack.ts';

const screenshots = join(artifactsDir, 'browser');
let provider: TestOidcProvider;
let app: NpmStart;
let browser: Browser;
let realImage: Uint8Array;

beforeAll(async () => {
  ensureDebianPackages(['chromium', 'orthanc', 'orthanc-dicomweb']);
  await ensureOhifViewer();
  await mkdir(screenshots, { recursive: true });
  realImage = new Uint8Array(await readFile(realJpegBaselineDcm));
  const port = await findFreePort();
  provider = await startOidcProvider({ viewerOrigin: `http://127.0.0.1:${port}` });
  app = await startNpmStart(
    {
      [configEnv.auth]: 'oidc',
      [configEnv.oidcIssuer]: provider.issuer,
      [configEnv.oidcAudience]: oidcAudience,
      [configEnv.oidcClientId]: viewerClientId,
      [configEnv.oidcScope]: 'openid profile offline_access',
      // The click must make the SR.
      [configEnv.autoClassify]: 'off',
    },
    { port },
  );
  browser = await chromium.launch({ executablePath: chromiumPath, args: [...chromiumArgs] });
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await app?.stop();
  await provider?.stop();
});

async function upload(part10: Uint8Array): Promise<void> {
  const { username, password } = app.orthancCredentials;
  const response = await fetch(`${app.orthancUrl}/instances`, {
    method: 'POST',
    headers: { Authorization: `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`, 'Content-Type': 'application/dicom' },
    body: part10,
  });
  if (!response.ok) throw new Error(`upload to Orthanc failed: ${response.status}`);
}

/** The provider's development login and consent pages, as a user fills them. */
async function logInAtProvider(page: Page, user: string): Promise<void> {
  await page.waitForURL((url) => url.href.startsWith(`${provider.issuer}/interaction/`), { timeout: 30_000 });
  await page.locator('input[name="login"]').fill(user);
  await page.locator('input[name="password"]').fill('any password: the test provider checks none');
  await page.getByRole('button', { name: 'Sign-in' }).click();
  const consent = page.getByRole('button', { name: 'Continue' });
  await Promise.race([
    consent.waitFor({ state: 'visible', timeout: 30_000 }).then(() => consent.click()),
    page.waitForURL((url) => url.href.startsWith(app.url), { timeout: 30_000 }),
  ]);
  await page.waitForURL((url) => url.href.startsWith(app.url) && !url.pathname.startsWith('/callback'), { timeout: 30_000 });
}

/** What the page gets from the DICOMweb proxy with no more than the browser itself sends (no token). */
async function anonymousStatus(page: Page): Promise<number> {
  return page.evaluate("fetch('/dicom-web/studies', { credentials: 'same-origin' }).then((r) => r.status)") as Promise<number>;
}

describe('the viewer with OpenID Connect', () => {
  it('should log in through the provider, list studies, classify with the token, log out and be refused afterwards', { timeout: 240_000 }, async () => {
    const variant = dicomVariant(realImage, realImageUids, 7);
    await upload(variant.part10);
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const page = await context.newPage();
    try {
      await page.goto(`${app.url}/`);
      await logInAtProvider(page, 'clinician');
      // The study list, with the samples' descriptions (the proxy's includefield fix).
      await page.getByText('Chest PA (synthetic phantom)').first().waitFor({ state: 'visible', timeout: 45_000 });
      await page.screenshot({ path: join(screenshots, 'oidc-study-list.png') });

      await openStudy(page, app.url, variant.StudyInstanceUID);
      await classifyButton(page).click();
      await waitForFindings(page);
      await page.screenshot({ path: join(screenshots, 'oidc-report.png') });
      const audit = (await readFile(join(app.dataDir, dataFiles.auditLog), 'utf8')).split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(audit.filter((r) => r.action === 'classify' && r.user === 'clinician' && r.StudyInstanceUID === variant.StudyInstanceUID)).toHaveLength(1);
      // The TID 1500 result and the readable report.
      expect(audit.filter((r) => r.action === 'sr-written' && r.user === 'clinician' && r.StudyInstanceUID === variant.StudyInstanceUID)).toHaveLength(2);
      expect(audit.some((r) => r.action === 'study-list' && r.user === 'clinician')).toBe(true);
      expect(JSON.stringify(audit)).not.toMatch(/PatientName|"00100010"/);
      // Nothing rides on ambient credentials: without OHIF's token the proxy says no.
      expect(await anonymousStatus(page)).toBe(401);

      // Logout as a user does it: the gear menu at the right of the viewer's header.
      await page.locator('button[aria-haspopup="menu"]:visible').last().click();
      await page.getByRole('menuitem', { name: 'Logout' }).click();
      const confirm = page.getByRole('button', { name: 'Yes, sign me out' });
      await confirm.waitFor({ state: 'visible', timeout: 30_000 });
      await confirm.click();
      await page.waitForURL((url) => url.href.startsWith(app.url), { timeout: 30_000 });
      // Back at the viewer, which has no user any more and sends the browser to the provider's login.
      await page.goto(`${app.url}/`);
      await page.waitForURL((url) => url.href.startsWith(`${provider.issuer}/interaction/`), { timeout: 30_000 });
      await page.screenshot({ path: join(screenshots, 'oidc-after-logout.png') });
      await page.goto(`${app.url}/app-config.js`);
      expect(await anonymousStatus(page)).toBe(401);
    } finally {
      await context.close();
    }
  });

  it("should tell a user without the classify role the sidecar's refusal, and store nothing", { timeout: 180_000 }, async () => {
    const variant = dicomVariant(realImage, realImageUids, 8);
    await upload(variant.part10);
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const page = await context.newPage();
    try {
      await page.goto(`${app.url}/viewer?StudyInstanceUIDs=${variant.StudyInstanceUID}`);
      await logInAtProvider(page, 'reader');
      await openStudy(page, app.url, variant.StudyInstanceUID);
      await classifyButton(page).click();
      const refusal = notifications(page).filter({ hasText: /no classify role/ });
      await refusal.first().waitFor({ state: 'visible', timeout: 30_000 });
      await page.screenshot({ path: join(screenshots, 'oidc-refused.png') });
      expect(await refusal.first().innerText()).toMatch(/Your account may view images but not ask for findings/);
      const audit = (await readFile(join(app.dataDir, dataFiles.auditLog), 'utf8')).split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);
      expect(audit.some((r) => r.action === 'classify' && r.user === 'reader')).toBe(false);
    } finally {
      await context.close();
    }
  });
});
