/**
 * The Orthanc of `npm start`: storage in the sidecar's data dir, the usual ports, credentials made
 * once and kept beside it, and the Lua hook pointed at the sidecar.
 */
import { join } from 'node:path';
import { ensureLocalOrthancCredentials, ensureLocalProxyCredentials } from './localCredentials.ts';
import { localStoreScu, orthancDefaults } from './settings.ts';
import { startOrthanc, type RunningOrthanc } from './startOrthanc.ts';

export interface StartLocalOrthancOptions {
  /** The sidecar's data dir (`CXR_DATA_DIR`, default `./data`): storage goes to `<dataDir>/orthanc`. */
  readonly dataDir: string;
  /** Where the Lua hook announces arrivals; absent, only the /changes follower sees them. */
  readonly sidecar?: { readonly url: string; readonly token: string };
  readonly httpPort?: number;
  /** false: no DICOM listener. */
  readonly dicomPort?: number | false;
  readonly verbose?: boolean;
  /** The proxy's account may STOW-RS too (CXR_DICOMWEB_STOW=on). */
  readonly proxyMayStore?: boolean;
}

export async function startLocalOrthanc(options: StartLocalOrthancOptions): Promise<RunningOrthanc> {
  const credentials = await ensureLocalOrthancCredentials(options.dataDir);
  const proxyAccount = await ensureLocalProxyCredentials(options.dataDir);
  const { name, ...scu } = localStoreScu;
  return startOrthanc({
    proxyAccount,
    ...(options.proxyMayStore ? { proxyMayStore: true } : {}),
    // C-STORE from this machine's own SCU only (npm start's default; a site lists its modalities instead).
    dicomModalities: { [name]: scu },
    storageDir: join(options.dataDir, 'orthanc'),
    credentials,
    httpPort: options.httpPort ?? orthancDefaults.httpPort,
    dicomPort: options.dicomPort ?? orthancDefaults.dicomPort,
    ...(options.sidecar ? { sidecar: options.sidecar } : {}),
    ...(options.verbose ? { verbose: true } : {}),
  });
}
