import { activeImage } from '../activeImage.ts';
import type { OhifServices } from '../ohifTypes.ts';

/**
 * The active viewport, when it shows the image: overlays are drawn there only, and leave when another image
 * (or a report) takes its place. The key changes with the viewport, so an overlay moves with the reader.
 */
export function activeViewportShowing(services: OhifServices, SOPInstanceUID: string): { readonly viewportId: string; readonly key: string } | undefined {
  const shown = activeImage(services);
  const viewportId = services.viewportGridService.getActiveViewportId();
  if (!shown.ok || shown.target.sopInstanceUID !== SOPInstanceUID) return undefined;
  return { viewportId, key: `${viewportId}|${SOPInstanceUID}` };
}
