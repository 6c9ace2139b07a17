/**
 * Where the project's Orthanc lives and what it is called: paths, default ports and the environment
 * of the Orthanc process, shared by `npm start`, the tests and docker-compose.yml (which its test
 * checks against these very constants). The sidecar's own environment names are in `config/defaults.ts`.
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export const orthancPaths = Object.freeze({
  /** Debian's `orthanc` package; the packaged service cannot start here, so the project runs the binary. */
  binary: '/usr/sbin/Orthanc',
  /** Debian's `orthanc-dicomweb` package. */
  dicomWebPlugin: '/usr/share/orthanc/plugins/libOrthancDicomWeb.so',
  /** Debian's `orthanc-postgresql` package: the index and the storage area in PostgreSQL. */
  postgresIndexPlugin: '/usr/share/orthanc/plugins/libOrthancPostgreSQLIndex.so',
  postgresStoragePlugin: '/usr/share/orthanc/plugins/libOrthancPostgreSQLStorage.so',
  /** The committed configuration every start is generated from (and docker-compose mounts as is). */
  configTemplate: resolve(repoRoot, 'orthanc/orthanc.json'),
  luaDir: resolve(repoRoot, 'orthanc/lua'),
  notifySidecarScript: resolve(repoRoot, 'orthanc/lua/notify-sidecar.lua'),
  restrictViewerProxyScript: resolve(repoRoot, 'orthanc/lua/restrict-viewer-proxy.lua'),
});

/**
 * Who may C-STORE into `npm start`'s Orthanc: this one calling AE title, from this machine only
 * (Orthanc checks the AE title and, with DicomCheckModalityHost, the peer's address).
 */
export const localStoreScu = Object.freeze({ name: 'local-scu', AET: 'CXR-LOCAL-SCU', Host: '127.0.0.1', Port: 104 });

export const orthancDefaults = Object.freeze({
  httpPort: 8042,
  dicomPort: 4242,
  /** Seconds without a new instance before Orthanc calls a series or study stable. */
  stableAgeSeconds: 2,
});

/** Ports of `npm start`'s Orthanc, so a second copy (a test, a demo) can run beside the first. */
export const localOrthancEnv = Object.freeze({
  httpPort: 'CXR_ORTHANC_HTTP_PORT',
  dicomPort: 'CXR_ORTHANC_DICOM_PORT',
} as const);

/**
 * Environment of the Orthanc process itself, read by `orthanc/lua/notify-sidecar.lua`: the sidecar's
 * base URL (the hook appends `apiPaths.orthancEvent`) and its API token (sent as a bearer token).
 */
export const luaHookEnv = Object.freeze({
  sidecarUrl: 'CXR_SIDECAR_URL',
  sidecarToken: 'CXR_SIDECAR_TOKEN',
  /** Read by orthanc/lua/restrict-viewer-proxy.lua: the account Orthanc restricts to DICOMweb reads. */
  proxyUser: 'CXR_ORTHANC_PROXY_USER',
  proxyMayStore: 'CXR_ORTHANC_PROXY_MAY_STORE',
} as const);
