import { names } from '../constants.ts';
import type { ExtensionParams } from '../ohifTypes.ts';
import { findingsPanelMount } from './findingsPanel.ts';
import { hostComponent } from './hostElement.ts';

/**
 * OHIF's panel module: the findings panel, for a mode's `rightPanels` as `<extension id>.panelModule.findings`
 * (the sidecar's app-config adds it to longitudinal mode's right panels).
 */
export function getPanelModule({ servicesManager }: Pick<ExtensionParams, 'servicesManager'>) {
  return [
    {
      name: names.panel,
      iconName: 'tab-linear',
      iconLabel: 'Findings',
      label: 'CXR Findings',
      component: hostComponent(findingsPanelMount(servicesManager.services), { 'data-cy': 'cxr-findings-panel-host', className: 'h-full overflow-y-auto' }),
    },
  ];
}
