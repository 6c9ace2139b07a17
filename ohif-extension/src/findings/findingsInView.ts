import { activeImage } from '../activeImage.ts';
import type { OhifServices } from '../ohifTypes.ts';
import { findingsForImage } from './findingsForImage.ts';
import type { ImageState } from './findingsStore.ts';
import { imageFindingsFromComprehensiveSr } from './fromComprehensiveSr.ts';

export type InView =
  | { readonly kind: 'image'; readonly SOPInstanceUID: string; readonly SeriesInstanceUID: string; readonly state?: ImageState }
  /** One of our SRs is in the active viewport: its findings, with its banner, sit beside it too. */
  | { readonly kind: 'report'; readonly SOPInstanceUID: string; readonly SeriesInstanceUID: string; readonly state: ImageState }
  | { readonly kind: 'none'; readonly reason: string };

/** What the active viewport shows, and the findings that go with it. */
export function findingsInView(services: OhifServices): InView {
  const shown = activeImage(services);
  if (shown.ok) {
    const { sopInstanceUID, seriesInstanceUID } = shown.target;
    const state = findingsForImage(services, sopInstanceUID);
    return { kind: 'image', SOPInstanceUID: sopInstanceUID, SeriesInstanceUID: seriesInstanceUID, ...(state ? { state } : {}) };
  }
  const { viewportGridService, displaySetService } = services;
  const viewport = viewportGridService.getState().viewports.get(viewportGridService.getActiveViewportId());
  const uid = viewport?.displaySetInstanceUIDs?.[0];
  const displaySet = uid ? displaySetService.getDisplaySetByUID(uid) : undefined;
  const instance = displaySet?.instance ?? displaySet?.instances?.[0];
  const findings = instance ? imageFindingsFromComprehensiveSr(instance) : undefined;
  if (findings) {
    return { kind: 'report', SOPInstanceUID: findings.image.SOPInstanceUID, SeriesInstanceUID: findings.image.SeriesInstanceUID, state: { status: 'ready', findings } };
  }
  return { kind: 'none', reason: shown.reason };
}
