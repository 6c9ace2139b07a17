/** The Orthanc side of the sidecar: run it, talk to it, follow what arrives in it. */
export { OrthancClient, type OrthancClientOptions } from './orthancClient.ts';
export { OrthancHttpError, OrthancUnavailableError } from './errors.ts';
export { ChangesFollower, type ChangesFollowerOptions, type DrainResult } from './changesFollower.ts';
export type { NewInstanceHandler } from './deliverPage.ts';
export { startOrthanc, type RunningOrthanc, type StartOrthancOptions } from './startOrthanc.ts';
export { luaHookEnv, orthancDefaults, orthancPaths } from './settings.ts';
export type * from './types.ts';
export { ensureLocalOrthancCredentials, localCredentialsFile, readLocalOrthancCredentials } from './localCredentials.ts';
export { composeServices, orthancContainer, sidecarContainer } from './composeLayout.ts';
export { startLocalOrthanc, type StartLocalOrthancOptions } from './startLocalOrthanc.ts';
