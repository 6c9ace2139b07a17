/**
 * The whole product for a browser test: a real Orthanc (temporary storage, free port), the real
 * sidecar with the viewer mounted (free port), and Debian's Chromium driven by playwright-core.
 */
import { readFile } from 'node:fs/promises';
import { type Browser, chromium } from 'playwright-core';
import { loadConfig } from '../../../inference-service/src/config/config.ts';
import { configEnv } from '../../../inference-service/src/config/defaults.ts';
import type { Logger } from '../../../inference-service/src/log.ts';
import { type RunningSidecar, startSidecar } from '../../../inference-service/src/server.ts';
import { ensureDebianPackages } from '../../../tooling/setup/debianPackages.ts';
import { ensureOhifViewer, extensionFile, viewerDir } from '../../../tooling/setup/ohifViewer.ts';
import { type TestOrthanc, startTestOrthanc } from '../../support/orthanc.ts';

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
  let sidecar: RunningSidecar | undefined;
  try {
    const config = loadConfig({
      [configEnv.port]: '0',
      [configEnv.host]: '127.0.0.1',
      [configEnv.orthancUrl]: orthanc.url,
      [configEnv.orthancUsername]: orthanc.credentials.username,
      [configEnv.orthancPassword]: orthanc.credentials.password,
      // The click is what must make the SR: nothing classifies on arrival here.
      [configEnv.autoClassify]: 'false',
      [configEnv.mode]: 'test',
      [configEnv.logLevel]: 'error',
      [configEnv.viewerDir]: viewerDir,
      [configEnv.viewerExtensionFile]: extensionFile,
    });
    sidecar = await startSidecar({ config, logger: quietLogger, followChanges: false });
    const browser = await chromium.launch({ executablePath: chromiumPath, args: [...chromiumArgs] });
    const running = sidecar;
    return {
      orthanc,
      sidecar: running,
      browser,
      baseUrl: running.url,
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
      },
    };
  } catch (error) {
    await sidecar?.stop();
    await orthanc.stop();
    throw error;
  }
}

export async function readPart10(path: string): Promise<Uint8Array> {
  return new Uint8Array(await readFile(path));
}
