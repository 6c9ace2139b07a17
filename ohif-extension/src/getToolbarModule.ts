import { activeImage } from './activeImage.ts';
import { names } from './constants.ts';
import type { ExtensionParams, ToolbarButtonDefinition, ToolbarModuleEntry } from './ohifTypes.ts';

/**
 * The button itself. `ohif.toolButton` shows the icon with the label as tooltip and accessible name;
 * the evaluator below enables it only on an image viewport showing an eligible image.
 */
export const classifyFindingsButton: ToolbarButtonDefinition = Object.freeze({
  id: names.button,
  uiType: 'ohif.toolButton',
  props: {
    icon: 'ToolSegmentAnything',
    label: 'Classify findings',
    tooltip: 'Send this chest X-ray to the CXR Findings model and add its report to the study',
    commands: names.command,
    evaluate: names.evaluator,
  },
});

/** OHIF's toolbar module: the evaluator the button names, registered when the extension is. */
export function getToolbarModule({ servicesManager }: Pick<ExtensionParams, 'servicesManager'>): ToolbarModuleEntry[] {
  return [
    {
      name: names.evaluator,
      evaluate: ({ viewportId }) => {
        const shown = activeImage(servicesManager.services, viewportId);
        return shown.ok ? { disabled: false } : { disabled: true, disabledText: shown.reason };
      },
    },
  ];
}
