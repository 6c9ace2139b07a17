import { activeImage } from './activeImage.ts';
import { names } from './constants.ts';
import { labelledButtonComponent } from './labelledButton.ts';
import type { ExtensionParams, ToolbarButtonDefinition, ToolbarModuleEntry } from './ohifTypes.ts';

/**
 * The button itself, drawn by our own labelled-button component (its label written out, its tooltip
 * naming the shortcut); the evaluator below enables it only on a viewport showing an eligible image.
 */
export const classifyFindingsButton: ToolbarButtonDefinition = Object.freeze({
  id: names.button,
  uiType: names.buttonComponent,
  props: {
    icon: 'ToolSegmentAnything',
    label: 'Classify findings',
    tooltip: 'Send this chest X-ray to the CXR Findings model and show its findings beside the image',
    commands: names.command,
    evaluate: names.evaluator,
  },
});

/** OHIF's toolbar module: the button's component and the evaluator it names, registered when the extension is. */
export function getToolbarModule({ servicesManager, commandsManager }: Pick<ExtensionParams, 'servicesManager' | 'commandsManager'>): ToolbarModuleEntry[] {
  return [
    { name: names.buttonComponent, defaultComponent: labelledButtonComponent(commandsManager) },
    {
      name: names.evaluator,
      evaluate: ({ viewportId }) => {
        const shown = activeImage(servicesManager.services, viewportId);
        return shown.ok ? { disabled: false } : { disabled: true, disabledText: shown.reason };
      },
    },
  ];
}
