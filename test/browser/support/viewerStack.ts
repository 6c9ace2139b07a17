/**
 * The whole product for a browser test: a real Orthanc (temporary storage, free port), the real
 * sidecar with the viewer mounted (free port), and Debian's Chromium driven by playwright-core.
 */
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { readLocalUser } from '../../../inference-service/src/access/localUser.ts';
import { artifactsDir } from '../../support/paths.ts';
import { loadConfig } from '../../../inference-service/src/config/config.ts';
import { configEnv } from '../../../inference-service/src/config/defaults.ts';
import type { Logger } from '../../../inference-service/src/log.ts';
import { type RunningSidecar, startSidecar } from '../../../inference-service/src/server.ts';
import { ensureDebianPackages } from '../../../tooling/setup/debianPackages.ts';
import { ensureOhifViewer, extensionFile, viewerDir } from '../../../tooling/setup/ohifViewer.ts';
import { type TestOrthanc, startTestOrthanc, orthancEnv } from '../../support/orthanc.ts';

export const chromiumPath = '/usr/bin/chromium';
/** Flags measured to work here (../shared/notes/ohif.md): headless, no sandbox as root, no GPU, no phoning home. */
export const chromiumArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
] as const;

export interface ViewerStack {
  readonly orthanc: TestOrthanc;
  readonly sidecar: RunningSidecar;
  readonly browser: Browser;
  /** The sidecar's origin: the viewer, the API and the DICOMweb proxy. */
  readonly baseUrl: string;
  /** A page of a browser that logged in through the login form, as a user does. */
  newPage(viewport?: { width: number; height: number }): Promise<Page>;
  /** What the pages reported as refused by the Content-Security-Policy. */
  readonly policyViolations: string[];
  /** Stores a Part-10 file in Orthanc. */
  upload(part10: Uint8Array): Promise<void>;
  stop(): Promise<void>;
}

/** The sidecar's JSON log lines are noise in a test run; failures come back through HTTP and the page. */
const quietLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
  child: () => quietLogger,
};

export async function startViewerStack(): Promise<ViewerStack> {
  // What `npm test`'s set-up does anyway; here too so the file runs on its own on a fresh machine.
  ensureDebianPackages(['chromium', 'orthanc', 'orthanc-dicomweb']);
  await ensureOhifViewer();

  const orthanc = await startTestOrthanc();
  const dataDir = await mkdtemp(join(tmpdir(), 'cxr-viewer-stack-'));
  let sidecar: RunningSidecar | undefined;
  try {
    const config = loadConfig({
      [configEnv.port]: '0',
      [configEnv.host]: '127.0.0.1',
      ...orthancEnv(orthanc),
      // The click is what must make the SR: nothing classifies on arrival here.
      [configEnv.autoClassify]: 'false',
      [configEnv.mode]: 'test',
      [configEnv.dataDir]: dataDir,
      [configEnv.logLevel]: 'error',
      [configEnv.viewerDir]: viewerDir,
      [configEnv.viewerExtensionFile]: extensionFile,
    });
    sidecar = await startSidecar({ config, logger: quietLogger, followChanges: false });
    const browser = await chromium.launch({ executablePath: chromiumPath, args: [...chromiumArgs] });
    const running = sidecar;
    const user = await readLocalUser(dataDir);
    if (!user) throw new Error('the sidecar made no local user');
    const context: BrowserContext = await browser.newContext();
    const policyViolations: string[] = [];
    context.on('console', (message) => {
      if (/Content[- ]Security[- ]Policy/i.test(message.text())) policyViolations.push(message.text());
    });
    await mkdir(join(artifactsDir, 'browser'), { recursive: true });
    const login = await context.newPage();
    await login.goto(`${running.url}/`);
    await login.locator('#username').waitFor({ state: 'visible' });
    await login.screenshot({ path: join(artifactsDir, 'browser', 'login.png') });
    await login.locator('#username').fill(user.username);
    await login.locator('#password').fill(user.password);
    await login.getByRole('button', { name: 'Log in' }).click();
    await login.waitForURL(`${running.url}/`).catch(async (error: unknown) => {
      throw new Error(`the login did not reach the viewer (at ${login.url()}): ${(await login.content()).slice(0, 2000)}`, { cause: error });
    });
    await login.close();
    return {
      orthanc,
      sidecar: running,
      browser,
      baseUrl: running.url,
      policyViolations,
      async newPage(viewport = { width: 1400, height: 900 }) {
        const page = await context.newPage();
        await page.setViewportSize(viewport);
        return page;
      },
      async upload(part10) {
        const response = await fetch(`${orthanc.url}/instances`, {
          method: 'POST',
          headers: {
            Authorization: `Basic ${Buffer.from(`${orthanc.credentials.username}:${orthanc.credentials.password}`).toString('base64')}`,
            'Content-Type': 'application/dicom',
          },
          body: part10,
        });
        if (!response.ok) throw new Error(`upload to Orthanc failed: ${response.status} ${await response.text()}`);
      },
      async stop() {
        await browser.close();
        await running.stop();
        await orthanc.stop();
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await sidecar?.stop();
    await orthanc.stop();
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
}

export async function readPart10(path: string): Promise<Uint8Array> {
  return new Uint8Array(await readFile(path));
}
