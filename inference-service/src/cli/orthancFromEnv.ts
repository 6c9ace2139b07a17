import { loadOrthancSettings } from '../config/config.ts';
import { readLocalOrthancCredentials } from '../orthanc/localCredentials.ts';
import { OrthancClient } from '../orthanc/orthancClient.ts';
import type { OrthancCredentials } from '../orthanc/types.ts';

/** Orthanc's credentials for a command: the sidecar's variables, or else those `npm start` keeps in the data dir. */
export async function orthancCredentialsFrom(env: Record<string, string | undefined>): Promise<OrthancCredentials | undefined> {
  const settings = loadOrthancSettings(env);
  return settings.credentials ?? readLocalOrthancCredentials(settings.dataDir);
}

/**
 * The Orthanc a command talks to: `--url`, else the sidecar's variable (several comma-separated URLs:
 * Orthancs sharing one index, tried in turn), else the default.
 */
export async function orthancClientFrom(env: Record<string, string | undefined>, url?: string): Promise<OrthancClient> {
  const credentials = await orthancCredentialsFrom(env);
  if (url !== undefined) {
    const [first, ...others] = url.split(',').map((u) => u.trim());
    return new OrthancClient({ url: first as string, ...(others.length > 0 ? { failoverUrls: others } : {}), credentials });
  }
  const settings = loadOrthancSettings(env);
  return new OrthancClient({ url: settings.url, ...(settings.failoverUrls ? { failoverUrls: settings.failoverUrls } : {}), credentials });
}
