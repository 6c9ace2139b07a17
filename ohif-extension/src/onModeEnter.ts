import { names } from './constants.ts';
import { classifyFindingsButton } from './getToolbarModule.ts';
import type { ExtensionParams, ToolbarService } from './ohifTypes.ts';

/** True when the page is longitudinal mode's route (`/viewer`, optionally `/viewer/<data source>`). */
export function isLongitudinalRoute(pathname: string): boolean {
  return pathname.split('/').includes(names.longitudinalRouteName);
}

/** Toolbar services already told to re-evaluate on grid changes (their subscriptions outlive a mode). */
const watchedToolbars = new WeakSet<ToolbarService>();

/**
 * Adds the button to longitudinal mode without forking it. OHIF resets the toolbar and then calls
 * every extension's onModeEnter before the mode's own, which appends its buttons to the sections:
 * so the section we create here keeps our button, first in the primary toolbar. The hook is not told
 * which mode is entering, hence the route check.
 */
export function onModeEnter({ servicesManager }: Pick<ExtensionParams, 'servicesManager'>): void {
  const { toolbarService, viewportGridService } = servicesManager.services;
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
  if (typeof window !== 'undefined' && !isLongitudinalRoute(window.location.pathname)) return;
  toolbarService.updateSection(names.section, [names.button]);
}
