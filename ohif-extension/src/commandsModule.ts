import { classifyFindings } from './classifyFindings.ts';
import { names } from './constants.ts';
import type { CommandsModule, ExtensionParams } from './ohifTypes.ts';

/** OHIF's commands module: `classifyFindings`, run by the toolbar button or by name from anywhere. */
export function getCommandsModule(params: ExtensionParams): CommandsModule {
  return {
    definitions: {
      [names.command]: { commandFn: () => classifyFindings(params) },
    },
    defaultContext: 'VIEWER',
  };
}
