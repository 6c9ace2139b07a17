import { getCommandsModule } from './commandsModule.ts';
import { getToolbarModule } from './getToolbarModule.ts';
import { id } from './id.ts';
import { onModeEnter } from './onModeEnter.ts';

/** The OHIF extension manifest: the "Classify findings" button and the command behind it. */
const extension = {
  id,
  getCommandsModule,
  getToolbarModule,
  onModeEnter,
};

export default extension;
