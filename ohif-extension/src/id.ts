import packageJson from '../package.json' with { type: 'json' };

/** OHIF names an extension by its package, so modes and app-configs can refer to it. */
export const id: string = packageJson.name;
