/**
 * The Orthanc of `npm start`: storage in the sidecar's data dir, the usual ports, credentials made
 * once and kept beside it, and the Lua hook pointed at the sidecar.
 */
import { join } from 'node:path';
import { ensureLocalOrthancCredentials } from './localCredentials.ts';
import { orthancDefaults } from './settings.ts';
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
}

export async function startLocalOrthanc(options: StartLocalOrthancOptions): Promise<RunningOrthanc> {
  const credentials = await ensureLocalOrthancCredentials(options.dataDir);
  return startOrthanc({
    storageDir: join(options.dataDir, 'orthanc'),
    credentials,
    httpPort: options.httpPort ?? orthancDefaults.httpPort,
    dicomPort: options.dicomPort ?? orthancDefaults.dicomPort,
    ...(options.sidecar ? { sidecar: options.sidecar } : {}),
    ...(options.verbose ? { verbose: true } : {}),
  });
}
