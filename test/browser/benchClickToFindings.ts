/**
 * Benchmark: time from a click on "Classify findings" to the findings visible in the panel beside the
 * image, in the real viewer, sidecar and Orthanc. Each run opens a study of its own (a variant of the
 * real image), so every click really classifies and stores an SR.
 *
 *   npx tsx test/browser/benchClickToFindings.ts [runs]
 */
import { pathToFileURL } from 'node:url';
import { realJpegBaselineDcm } from '../support/paths.ts';
import { dicomVariant, realImageUids } from './support/dicomVariant.ts';
import { classifyButton, openStudy, waitForFindings } from './support/viewerPage.ts';
import { readPart10, startViewerStack } from './support/viewerStack.ts';

export interface ClickToFindingsResult {
  readonly runs: number;
  readonly medianMs: number;
  readonly minMs: number;
  readonly maxMs: number;
  readonly samplesMs: readonly number[];
  /** The reference in the same runs: click to the end of `POST /api/classify`'s response (resource timing). */
  readonly apiMedianMs: number;
  /** Median over runs of (click → findings) / (click → API answer): what the viewer adds, as a ratio. */
  readonly medianRatioToApi: number;
}

/** Installs the in-page timer: the click's time, and the time the first finding row is laid out in the panel. */
const inPageTimer = `(() => {
  const bench = (window.cxrBench = { clickAt: NaN, shownAt: NaN });
  document.querySelector('button[name="ClassifyFindings"]').addEventListener('click', () => { bench.clickAt = performance.now(); }, { capture: true, once: true });
  const observer = new MutationObserver(() => {
    const row = document.querySelector('[data-cy="cxr-finding"]');
    if (row && row.getClientRects().length > 0) {
      bench.shownAt = performance.now();
      observer.disconnect();
    }
  });
  observer.observe(document.body, { childList: true, subtree: true });
})()`;

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[middle] ?? NaN) : ((sorted[middle - 1] ?? NaN) + (sorted[middle] ?? NaN)) / 2;
}

export async function benchClickToFindings(options: { runs?: number; warmup?: number } = {}): Promise<ClickToFindingsResult> {
  const runs = options.runs ?? 10;
  const warmup = options.warmup ?? 1;
  const stack = await startViewerStack();
  const samples: number[] = [];
  const apiSamples: number[] = [];
  try {
    const realImage = await readPart10(realJpegBaselineDcm);
    const page = await stack.newPage({ width: 1280, height: 720 });
    for (let i = 0; i < warmup + runs; i++) {
      // Variant numbers far from the tests' so the two never share a study.
      const variant = dicomVariant(realImage, realImageUids, 100 + i);
      await stack.upload(variant.part10);
      await openStudy(page, stack.baseUrl, variant.StudyInstanceUID);
      // A reader clicks once the image is up, not while the viewer is still fetching and decoding it.
      await page.waitForLoadState('networkidle');
      // Timed inside the page (click event to the first row in the DOM, laid out), so the driver's round
      // trips are not counted. Strings: the page code runs in the browser, outside this TypeScript.
      await page.evaluate(inPageTimer);
      await classifyButton(page).click();
      await waitForFindings(page);
      const elapsed = Number(await page.evaluate('window.cxrBench.shownAt - window.cxrBench.clickAt'));
      const api = Number(
        await page.evaluate(
          "performance.getEntriesByType('resource').filter((entry) => entry.name.endsWith('/api/classify')).at(-1).responseEnd - window.cxrBench.clickAt",
        ),
      );
      if (!Number.isFinite(elapsed) || !Number.isFinite(api)) throw new Error(`benchClickToFindings: run ${i} recorded no click, no API answer or no findings`);
      if (i >= warmup) {
        samples.push(elapsed);
        apiSamples.push(api);
      }
    }
    await page.close();
  } finally {
    await stack.stop();
  }
  return {
    runs,
    medianMs: median(samples),
    minMs: Math.min(...samples),
    maxMs: Math.max(...samples),
    samplesMs: samples.map((ms) => Math.round(ms * 10) / 10),
    apiMedianMs: median(apiSamples),
    medianRatioToApi: median(samples.map((ms, i) => ms / (apiSamples[i] ?? NaN))),
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const runs = Number(process.argv[2] ?? 10);
  const result = await benchClickToFindings({ runs });
  console.log(
    `click → findings visible in the panel, median of ${result.runs}: ${result.medianMs.toFixed(0)} ms ` +
      `(min ${result.minMs.toFixed(0)}, max ${result.maxMs.toFixed(0)}; target ≤ 500 ms); ` +
      `the API's answer alone ${result.apiMedianMs.toFixed(0)} ms, ratio ${result.medianRatioToApi.toFixed(2)}`,
  );
  console.log(JSON.stringify(result));
}
