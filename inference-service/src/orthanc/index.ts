/** The Orthanc side of the sidecar: run it, talk to it, follow what arrives in it. */
export { OrthancClient, type OrthancClientOptions } from './orthancClient.ts';
export { OrthancHttpError, OrthancUnavailableError } from './errors.ts';
export { startOrthanc, type RunningOrthanc, type StartOrthancOptions } from './startOrthanc.ts';
export { luaHookEnv, orthancDefaults, orthancEnv, orthancEventPath, orthancPaths } from './settings.ts';
export type * from './types.ts';
