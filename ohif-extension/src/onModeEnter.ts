import { names } from './constants.ts';
import { classifyFindingsButton } from './getToolbarModule.ts';
import type { ExtensionParams, HotkeysManager, ToolbarService } from './ohifTypes.ts';
import { useDicomWebRoot } from './heatmap/loadHeatmap.ts';
import { loadResultMeasurementsOnRequest } from './measurements/loadResultMeasurements.ts';
import { openPanelOnResults } from './panel/openOnResults.ts';

/** Toolbar services already told to re-evaluate on grid changes (their subscriptions outlive a mode). */
const watchedToolbars = new WeakSet<ToolbarService>();

let hotkeys: HotkeysManager | undefined;
let stopWatchingResults: (() => void) | undefined;
let stopLoadingMeasurements: (() => void) | undefined;

/** preRegistration hands us the hotkeys manager; onModeEnter is not given it. */
export function useHotkeysManager(manager: HotkeysManager | undefined): void {
  hotkeys = manager;
}

/**
 * Adds the button (and its keyboard shortcut) to the entering mode without forking it. OHIF resets
 * the toolbar and then calls every extension's onModeEnter before the mode's own, which appends its
 * buttons to the sections: so the section we create here keeps our button, first in the primary
 * toolbar, in any mode that has one. Where the shown image cannot be classified, the evaluator
 * disables the button and says why; nothing depends on the page's path.
 */
export function onModeEnter({
  servicesManager,
  extensionManager,
  commandsManager,
}: Pick<ExtensionParams, 'servicesManager'> & Partial<Pick<ExtensionParams, 'extensionManager' | 'commandsManager'>>): void {
  const { toolbarService, viewportGridService } = servicesManager.services;
  // The heatmaps are read over the viewer's own DICOMweb, wherever its data source says that is.
  useDicomWebRoot(extensionManager?.getActiveDataSource()[0]?.getConfig?.()?.wadoRoot);
  toolbarService.register([{ ...classifyFindingsButton, props: { ...classifyFindingsButton.props } }]);
  // OHIF re-evaluates buttons on cornerstone viewport events only; an SR or PDF placed in the active
  // viewport (or another viewport activated) must disable the button too.
  if (!watchedToolbars.has(toolbarService)) {
    watchedToolbars.add(toolbarService);
    toolbarService.registerEventForToolbarUpdate(viewportGridService, [
      viewportGridService.EVENTS.ACTIVE_VIEWPORT_ID_CHANGED,
      viewportGridService.EVENTS.GRID_STATE_CHANGED,
    ]);
  }
  toolbarService.updateSection(names.section, [names.button]);
  // Bound after OHIF's defaults are read on mode entry; a user's own binding (kept by OHIF) still wins.
  hotkeys?.registerHotkeys({ commandName: names.command, keys: [names.hotkey], label: 'Classify findings', isEditable: true });
  stopWatchingResults?.();
  stopWatchingResults = openPanelOnResults(servicesManager.services);
  // The result's regions in OHIF's own measurement panel, with their findings' names and scores.
  stopLoadingMeasurements?.();
  stopLoadingMeasurements = commandsManager && loadResultMeasurementsOnRequest(servicesManager.services, commandsManager);
}

export function onModeExit(): void {
  stopWatchingResults?.();
  stopWatchingResults = undefined;
  stopLoadingMeasurements?.();
  stopLoadingMeasurements = undefined;
}
