import { benchClickToReport } from '../../test/browser/benchClickToReport.ts';
import { ms, report } from './stats.ts';

/** Issue 5's figure: a click on "Classify findings" until the report is visible, in real Chromium. */
export async function benchViewer(): Promise<void> {
  const result = await benchClickToReport({ runs: 10 });
  console.log(`\nClick on "Classify findings" → report visible in OHIF (real Chromium, sidecar, Orthanc), ${result.runs} fresh studies:`);
  report([
    ['median', ms(result.medianMs), '≤ 1.5 s'],
    ['min / max', `${ms(result.minMs)} / ${ms(result.maxMs)}`],
  ]);
}
