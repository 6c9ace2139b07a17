import { names } from './constants.ts';
import { classifyFindingsButton } from './getToolbarModule.ts';
import type { ExtensionParams } from './ohifTypes.ts';

/** True when the page is longitudinal mode's route (`/viewer`, optionally `/viewer/<data source>`). */
export function isLongitudinalRoute(pathname: string): boolean {
  return pathname.split('/').includes(names.longitudinalRouteName);
}

/**
 * Adds the button to longitudinal mode without forking it. OHIF resets the toolbar and then calls
 * every extension's onModeEnter before the mode's own, which appends its buttons to the sections:
 * so the section we create here keeps our button, first in the primary toolbar. The hook is not told
 * which mode is entering, hence the route check.
 */
export function onModeEnter({ servicesManager }: Pick<ExtensionParams, 'servicesManager'>): void {
  const { toolbarService } = servicesManager.services;
  toolbarService.register([{ ...classifyFindingsButton, props: { ...classifyFindingsButton.props } }]);
  if (typeof window !== 'undefined' && !isLongitudinalRoute(window.location.pathname)) return;
  toolbarService.updateSection(names.section, [names.button]);
}
