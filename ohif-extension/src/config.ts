/**
 * The extension's configuration, given to `preRegistration`: as the second element of an
 * `[extension, configuration]` pair in an OHIF build's extension list, or, for the prebuilt viewer
 * (which loads extensions by URL and cannot pair them with configuration), as `cxrFindings` in the
 * app-config.
 */
export interface ExtensionConfiguration {
  /** Where the sidecar's API is: '' (the default) is the viewer's own origin, as the sidecar serves both. */
  readonly sidecarUrl: string;
}

export const defaultConfiguration: ExtensionConfiguration = Object.freeze({ sidecarUrl: '' });

/** The app-config key the prebuilt viewer's configuration sits under. */
export const appConfigKey = 'cxrFindings';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Checks what the integrator wrote; a wrong value is an error at start-up naming the field, not a silent default. */
export function readConfiguration(configuration: unknown, appConfig?: Readonly<Record<string, unknown>>): ExtensionConfiguration {
  const given = isRecord(configuration) && Object.keys(configuration).length > 0 ? configuration : appConfig?.[appConfigKey];
  if (given === undefined) return defaultConfiguration;
  if (!isRecord(given)) throw new Error(`CXR Findings extension: its configuration must be an object, not ${JSON.stringify(given)}`);
  const { sidecarUrl = '' } = given;
  if (typeof sidecarUrl !== 'string') throw new Error(`CXR Findings extension: configuration 'sidecarUrl' must be a string, not ${JSON.stringify(sidecarUrl)}`);
  if (sidecarUrl !== '' && !/^(https?:\/\/[^/?#]+)?(\/[^?#]*)?$/.test(sidecarUrl)) {
    throw new Error(`CXR Findings extension: configuration 'sidecarUrl' must be an http(s) URL or a path, not '${sidecarUrl}'`);
  }
  return { sidecarUrl: sidecarUrl.replace(/\/+$/, '') };
}

let current: ExtensionConfiguration = defaultConfiguration;

export function configure(configuration: ExtensionConfiguration): void {
  current = configuration;
}

export function configuration(): ExtensionConfiguration {
  return current;
}

/** A route of the sidecar's API under the configured URL. */
export function sidecarRoute(path: `/api/${string}`): string {
  return `${current.sidecarUrl}${path}`;
}
