import { findingsInView } from '../findings/findingsInView.ts';
import type { OhifServices } from '../ohifTypes.ts';
import { openFindingsPanel } from './openFindingsPanel.ts';

/**
 * Opens the findings panel when the active viewport comes to show an image that has findings (classified
 * in this page, or with a stored SR among the loaded series), or one of our reports: once per image, so a reader who closes
 * the panel is not overruled while looking at the same image. A report and its image count as one: OHIF
 * replaces the result by its image when it loads the result's regions into its measurement panel, and
 * that panel must stay in front. Returns the unsubscription.
 */
export function openPanelOnResults(services: OhifServices): () => void {
  let announced: string | undefined;
  const check = (): void => {
    const inView = findingsInView(services);
    if (inView.kind === 'none' || inView.state?.status !== 'ready') return;
    const key = inView.SOPInstanceUID;
    if (announced === key) return;
    announced = key;
    openFindingsPanel(services);
  };
  const { viewportGridService, displaySetService } = services;
  const subscriptions = [
    viewportGridService.subscribe?.(viewportGridService.EVENTS.ACTIVE_VIEWPORT_ID_CHANGED, check),
    viewportGridService.subscribe?.(viewportGridService.EVENTS.GRID_STATE_CHANGED, check),
    displaySetService.subscribe(displaySetService.EVENTS.DISPLAY_SETS_ADDED, check),
  ];
  return () => subscriptions.forEach((subscription) => subscription?.unsubscribe());
}
