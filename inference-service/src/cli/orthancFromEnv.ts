import { resolve } from 'node:path';
import { configDefaults, configEnv } from '../config/defaults.ts';
import { readLocalOrthancCredentials } from '../orthanc/localCredentials.ts';
import { OrthancClient } from '../orthanc/orthancClient.ts';
import type { OrthancCredentials } from '../orthanc/types.ts';

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

/** Orthanc's credentials for a command: the sidecar's variables, or else those `npm start` keeps in the data dir. */
export async function orthancCredentialsFrom(env: Record<string, string | undefined>): Promise<OrthancCredentials | undefined> {
  const username = nonEmpty(env[configEnv.orthancUsername]);
  const password = nonEmpty(env[configEnv.orthancPassword]);
  if ((username === undefined) !== (password === undefined)) {
    throw new Error(`Set both ${configEnv.orthancUsername} and ${configEnv.orthancPassword}, or neither`);
  }
  if (username !== undefined && password !== undefined) return { username, password };
  return readLocalOrthancCredentials(resolve(nonEmpty(env[configEnv.dataDir]) ?? configDefaults.dataDir));
}

/** The Orthanc a command talks to: `--url`, else the sidecar's variable, else the default. */
export async function orthancClientFrom(env: Record<string, string | undefined>, url?: string): Promise<OrthancClient> {
  return new OrthancClient({
    url: url ?? nonEmpty(env[configEnv.orthancUrl]) ?? configDefaults.orthancUrl,
    credentials: await orthancCredentialsFrom(env),
  });
}
