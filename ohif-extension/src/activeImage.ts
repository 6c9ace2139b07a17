import { type Classifiable, classifiableImage } from './eligibility.ts';
import type { OhifServices } from './ohifTypes.ts';

/**
 * The image in front of the user: the active viewport's (first) display set and the stack position its
 * cornerstone viewport shows. Viewports that are not cornerstone image viewports (SR, PDF) have no index.
 */
export function activeImage(services: OhifServices, viewportId?: string): Classifiable {
  const { viewportGridService, displaySetService, cornerstoneViewportService } = services;
  const id = viewportId ?? viewportGridService.getActiveViewportId();
  const viewport = id ? viewportGridService.getState().viewports.get(id) : undefined;
  const displaySetInstanceUID = viewport?.displaySetInstanceUIDs?.[0];
  const displaySet = displaySetInstanceUID ? displaySetService.getDisplaySetByUID(displaySetInstanceUID) : undefined;
  let imageIndex = 0;
  try {
    imageIndex = cornerstoneViewportService?.getCornerstoneViewport(id)?.getCurrentImageIdIndex?.() ?? 0;
  } catch {
    // A viewport that is still being created has no image yet: the first one is what will show.
  }
  return classifiableImage(displaySet, imageIndex);
}
