/**
 * Builds the JSON configuration of one Orthanc run from the committed template
 * (`orthanc/orthanc.json`): the template says what every run shares (authentication on, no remote
 * access, DICOMweb at /dicom-web/, no overwriting), the run says where and on which ports.
 */
import { readFile } from 'node:fs/promises';
import { orthancPaths } from './settings.ts';
import type { OrthancCredentials } from '../../inference-service/src/orthanc/types.ts';

export interface OrthancRunSettings {
  readonly storageDir: string;
  readonly httpPort: number;
  /** `false` disables the DICOM (C-STORE) listener. */
  readonly dicomPort: number | false;
  readonly credentials: OrthancCredentials;
  readonly luaScripts: readonly string[];
  readonly stableAgeSeconds: number;
  /** The viewer proxy's account (restricted to reads by orthanc/lua/restrict-viewer-proxy.lua). */
  readonly proxyAccount?: OrthancCredentials;
  /** The only peers that may C-STORE (by AE title and address); none when empty. */
  readonly dicomModalities?: Readonly<Record<string, DicomModality>>;
  /** The index and the files in PostgreSQL (Debian's orthanc-postgresql) instead of SQLite and a folder. */
  readonly postgres?: OrthancPostgres;
}

/**
 * Where Orthanc keeps its index and files. `Lock: false` lets several Orthancs share one database (they
 * then see one another's instances and the same /changes); with `Lock: true` the first one holds it alone.
 */
export interface OrthancPostgres {
  readonly host: string;
  readonly port: number;
  readonly database: string;
  readonly username: string;
  readonly password: string;
  readonly lock?: boolean;
}

export interface DicomModality {
  readonly AET: string;
  readonly Host: string;
  readonly Port: number;
}

export type OrthancConfiguration = Record<string, unknown>;

export async function readOrthancTemplate(path: string = orthancPaths.configTemplate): Promise<OrthancConfiguration> {
  const text = await readFile(path, 'utf8');
  try {
    return JSON.parse(text) as OrthancConfiguration;
  } catch (cause) {
    throw new Error(`Orthanc configuration template ${path} is not valid JSON`, { cause });
  }
}

export function buildOrthancConfiguration(template: OrthancConfiguration, run: OrthancRunSettings): OrthancConfiguration {
  for (const account of [run.credentials, ...(run.proxyAccount ? [run.proxyAccount] : [])]) {
    if (account.username === '' || account.username.includes(':')) {
      // RFC 7617: the user-id of basic authentication cannot contain a colon.
      throw new Error(`Orthanc credentials: username must be non-empty and without ':', got '${account.username}'`);
    }
  }
  if (run.proxyAccount?.username === run.credentials.username) {
    throw new Error(`Orthanc credentials: the viewer proxy's account must not be the sidecar's ('${run.credentials.username}')`);
  }
  return {
    ...template,
    StorageDirectory: run.storageDir,
    IndexDirectory: run.storageDir,
    HttpPort: run.httpPort,
    DicomServerEnabled: run.dicomPort !== false,
    ...(run.dicomPort === false ? {} : { DicomPort: run.dicomPort }),
    // Orthanc 1.10 cannot choose its listening address (it binds every interface); refusing
    // non-loopback clients is what keeps it private, whatever the template says.
    RemoteAccessAllowed: false,
    AuthenticationEnabled: true,
    RegisteredUsers: {
      [run.credentials.username]: run.credentials.password,
      ...(run.proxyAccount ? { [run.proxyAccount.username]: run.proxyAccount.password } : {}),
    },
    // C-STORE only from the configured modalities, and only from their configured address.
    DicomAlwaysAllowStore: false,
    DicomCheckModalityHost: true,
    DicomModalities: Object.fromEntries(
      Object.entries(run.dicomModalities ?? {}).map(([name, m]) => [name, { AET: m.AET, Host: m.Host, Port: m.Port, AllowStore: true, AllowEcho: true, AllowFind: false, AllowMove: false, AllowGet: false }]),
    ),
    StableAge: run.stableAgeSeconds,
    LuaScripts: [...run.luaScripts],
    Plugins: [orthancPaths.dicomWebPlugin, ...(run.postgres ? [orthancPaths.postgresIndexPlugin, orthancPaths.postgresStoragePlugin] : [])],
    ...(run.postgres
      ? {
          PostgreSQL: {
            EnableIndex: true,
            EnableStorage: true,
            Host: run.postgres.host,
            Port: run.postgres.port,
            Database: run.postgres.database,
            Username: run.postgres.username,
            Password: run.postgres.password,
            Lock: run.postgres.lock ?? false,
            EnableSsl: false,
          },
        }
      : {}),
  };
}
