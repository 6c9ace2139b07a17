import type { OhifServices } from '../ohifTypes.ts';
import { imageFindingsFromComprehensiveSr, imageOfFindingsSr } from './fromComprehensiveSr.ts';
import type { ImageFindings } from './imageFindings.ts';

/** The findings of our SRs about the image among the loaded display sets (their metadata holds the content tree). */
export function storedFindingsFor(services: Pick<OhifServices, 'displaySetService'>, SOPInstanceUID: string): ImageFindings | undefined {
  const displaySets = services.displaySetService.getActiveDisplaySets?.() ?? [];
  const candidates: ImageFindings[] = [];
  for (const displaySet of displaySets) {
    if (displaySet.Modality !== 'SR') continue;
    for (const instance of displaySet.instances ?? (displaySet.instance ? [displaySet.instance] : [])) {
      if (imageOfFindingsSr(instance)?.SOPInstanceUID !== SOPInstanceUID) continue;
      const findings = imageFindingsFromComprehensiveSr(instance);
      if (findings) candidates.push(findings);
    }
  }
  // Several models may have reported on one image; a real model's report is preferred to a demo's.
  return candidates.find((candidate) => candidate.model.kind === 'upstream') ?? candidates[0];
}
