// No import attributes: OHIF's monorepo build (webpack + Babel) reads the package file as its own id.js does.
import packageJson from '../package.json';

/** OHIF names an extension by its package, so modes and app-configs can refer to it. */
export const id: string = packageJson.name;
