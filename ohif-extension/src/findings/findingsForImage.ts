import type { OhifServices } from '../ohifTypes.ts';
import { findingsStore, type ImageState } from './findingsStore.ts';
import { storedFindingsFor } from './storedFindings.ts';

/** What is known about an image: from this page's classifications, else read once from its stored SR. */
export function findingsForImage(services: Pick<OhifServices, 'displaySetService'>, SOPInstanceUID: string): ImageState | undefined {
  const known = findingsStore.get(SOPInstanceUID);
  if (known) return known;
  const stored = storedFindingsFor(services, SOPInstanceUID);
  if (!stored) return undefined;
  const state: ImageState = { status: 'ready', findings: stored };
  findingsStore.set(SOPInstanceUID, state);
  return state;
}
