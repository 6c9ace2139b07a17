import { getCommandsModule } from './commandsModule.ts';
import { getToolbarModule } from './getToolbarModule.ts';
import { id } from './id.ts';
import { onModeEnter, onModeExit } from './onModeEnter.ts';
import { getPanelModule } from './panel/getPanelModule.ts';
import { preRegistration } from './preRegistration.ts';

/** The OHIF extension manifest: the "Classify findings" button, its command, and the findings panel. */
const extension = {
  id,
  preRegistration,
  getCommandsModule,
  getToolbarModule,
  getPanelModule,
  onModeEnter,
  onModeExit,
};

export default extension;
