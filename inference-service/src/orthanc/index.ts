/** The Orthanc side of the sidecar: talk to it (following what arrives is in `autoClassify/`). */
export { OrthancClient, type OrthancClientOptions } from './orthancClient.ts';
export { OrthancHttpError, OrthancUnavailableError } from './errors.ts';
export type * from './types.ts';
