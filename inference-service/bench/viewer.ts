import { benchClickToFindings } from '../../test/browser/benchClickToFindings.ts';
import { ms, report } from './stats.ts';

/** Issue 14's figure: a click on "Classify findings" until the findings are visible beside the image, in real Chromium. */
export async function benchViewer(): Promise<void> {
  const result = await benchClickToFindings({ runs: 10 });
  console.log(`\nClick on "Classify findings" → findings visible in the panel (real Chromium, sidecar, Orthanc), ${result.runs} fresh studies:`);
  report([
    ['median', ms(result.medianMs), '≤ 0.5 s'],
    ['min / max', `${ms(result.minMs)} / ${ms(result.maxMs)}`],
    ['click → API answer (same runs)', ms(result.apiMedianMs)],
    ['findings visible / API answer', result.medianRatioToApi.toFixed(2)],
  ]);
}
