import type { SrMeasurement } from '../ohifTypes.ts';

/**
 * OHIF 3.13's `onBeforeSRHydration` customization (cornerstone-dicom-sr hydrateStructuredReport.ts): it
 * is handed the cornerstone tool data the adapters made from an SR's measurement groups, and the SR's
 * display set, before they become OHIF measurements. The adapters keep a group's Finding (the panel
 * names the region by it) but no NUM that is not a geometric statistic, so a CAD score would be lost.
 * This labels each region whose group holds a (111012, DCM, "Certainty of Finding") NUM with its
 * Tracking Identifier and that value, read from the same group by OHIF's own SR reader: "Pneumothorax:
 * 50.64 %". Groups without such a NUM, and regions that already carry a label, are left as they are.
 */

/** The concept meaning OHIF's SR reader puts as a NUM's label (our score's concept, sr/codes.ts in the sidecar). */
export const scoreConceptMeaning = 'Certainty of Finding';

interface ToolData {
  readonly TrackingUniqueIdentifier?: string;
  readonly annotation?: { data?: { label?: unknown } };
}

export interface HydrationInput {
  readonly storedMeasurementByAnnotationType: Record<string, unknown>;
  readonly displaySet?: { readonly measurements?: readonly SrMeasurement[] | null };
}

/** The label for a group, or undefined when the group has no score. */
export function scoreLabel(measurement: SrMeasurement): string | undefined {
  const score = measurement.labels?.find((label) => label.label === scoreConceptMeaning)?.value;
  const name = measurement.TrackingIdentifier;
  return score && name ? `${name}: ${score}` : undefined;
}

export function labelRegionsWithScores({ storedMeasurementByAnnotationType, displaySet }: HydrationInput): Record<string, unknown> {
  const labels = new Map<string, string>();
  for (const measurement of displaySet?.measurements ?? []) {
    const label = scoreLabel(measurement);
    if (label && measurement.TrackingUniqueIdentifier) labels.set(measurement.TrackingUniqueIdentifier, label);
  }
  for (const toolData of Object.values(storedMeasurementByAnnotationType)) {
    if (!Array.isArray(toolData)) continue;
    for (const item of toolData as ToolData[]) {
      const label = item.TrackingUniqueIdentifier ? labels.get(item.TrackingUniqueIdentifier) : undefined;
      const data = item.annotation?.data;
      if (label && data && !data.label) data.label = label;
    }
  }
  return storedMeasurementByAnnotationType;
}
