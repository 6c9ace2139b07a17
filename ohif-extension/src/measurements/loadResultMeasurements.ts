import { imageOfFindingsSr } from '../findings/fromComprehensiveSr.ts';
import type { CommandsManager, OhifDisplaySet, OhifServices } from '../ohifTypes.ts';
import { labelRegionsWithScores } from './scoreLabels.ts';

/** OHIF's measurement panel of longitudinal mode, as its side panel renders it (its data-cy). */
const measurementPanelSelector = '[data-cy="trackedMeasurements-panel"]';

/**
 * Lists the regions of our TID 1500 result in OHIF's own measurement panel when the reader opens that
 * panel with the result in the active viewport. OHIF 3.13 can load an SR's measurement groups
 * (hydration) into its measurements, but in the prebuilt viewer nothing offers it for an SR shown in a
 * viewport: its badge has no Load button for SR, and the tracking context's own trigger did not fire
 * (measured: the display set rehydratable, not hydrated, no prompt). So this runs OHIF's own command
 * for it, `loadTrackedSRMeasurements`, once per result. Hydration shows the image with the regions as
 * OHIF's rectangle measurements in place of the SR's read-only drawing, so it waits for the reader to
 * ask for the measurements rather than happening on every view of the result.
 * Returns the unsubscription.
 */
export function loadResultMeasurementsOnRequest(services: OhifServices, commandsManager: CommandsManager): () => void {
  services.customizationService?.setCustomizations({ onBeforeSRHydration: { $set: { value: labelRegionsWithScores } } });
  const loaded = new Set<string>();
  let scheduled = false;
  const check = (): void => {
    scheduled = false;
    if (document.querySelector(measurementPanelSelector) === null) return;
    const result = resultInView(services);
    if (!result || loaded.has(result.displaySetInstanceUID)) return;
    loaded.add(result.displaySetInstanceUID);
    commandsManager.run('loadTrackedSRMeasurements', {
      displaySetInstanceUID: result.displaySetInstanceUID,
      SeriesInstanceUID: result.SeriesInstanceUID,
      viewportId: services.viewportGridService.getActiveViewportId(),
    });
  };
  // The panel is React's to mount; a mutation observer sees it appear. Checks run at most once a frame.
  const schedule = (): void => {
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame(check);
  };
  const observer = new MutationObserver(schedule);
  observer.observe(document.body, { childList: true, subtree: true });
  const { viewportGridService } = services;
  const subscriptions = [
    viewportGridService.subscribe?.(viewportGridService.EVENTS.ACTIVE_VIEWPORT_ID_CHANGED, schedule),
    viewportGridService.subscribe?.(viewportGridService.EVENTS.GRID_STATE_CHANGED, schedule),
  ];
  schedule();
  return () => {
    observer.disconnect();
    subscriptions.forEach((subscription) => subscription?.unsubscribe());
  };
}

/** Our TID 1500 result in the active viewport, once OHIF has read it and can load it; else undefined. */
function resultInView({ viewportGridService, displaySetService }: OhifServices): OhifDisplaySet | undefined {
  const viewport = viewportGridService.getState().viewports.get(viewportGridService.getActiveViewportId());
  const uid = viewport?.displaySetInstanceUIDs?.[0];
  const displaySet = uid ? displaySetService.getDisplaySetByUID(uid) : undefined;
  if (!displaySet?.isRehydratable || displaySet.isHydrated || !displaySet.instance) return undefined;
  return imageOfFindingsSr(displaySet.instance) ? displaySet : undefined;
}
