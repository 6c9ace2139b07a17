import { operatingPoint } from '../finding/rules.ts';
import type { FindingProbabilities, ImageFindings } from '../pipeline/types.ts';

export { operatingPoint };

export function findingsAbove(findings: FindingProbabilities): [string, number][] {
  return Object.entries(findings)
    .filter(([, p]) => p >= operatingPoint)
    .sort((a, b) => b[1] - a[1]);
}

/** The full table for one image, findings in the model's order. */
export function formatFindingsTable(name: string, result: ImageFindings): string {
  const width = Math.max(...Object.keys(result.findings).map((l) => l.length), 7);
  const lines = [`${name}  (SOP Instance ${result.SOPInstanceUID || 'unknown'})`, `  ${'Finding'.padEnd(width)}  Probability`];
  for (const [label, p] of Object.entries(result.findings)) {
    const mark = p >= operatingPoint ? '  ▲ at or above operating point' : '';
    lines.push(`  ${label.padEnd(width)}  ${p.toFixed(3).padStart(11)}${mark}`);
  }
  return lines.join('\n');
}

/** One line per image for folders. */
export function formatFindingsLine(name: string, result: ImageFindings): string {
  const above = findingsAbove(result.findings);
  const summary = above.length ? above.map(([l, p]) => `${l} ${p.toFixed(2)}`).join(', ') : 'no finding at or above its operating point';
  return `${name}: ${summary}`;
}
