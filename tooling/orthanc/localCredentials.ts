/**
 * Orthanc's credentials on one machine (`npm start`): made once, kept in the data dir readable by
 * its owner only, and reused on every start, so the sidecar, `cxr-findings upload` and a user's
 * scripts all log in as the same user without anyone choosing a password.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { publishOnce } from '../../inference-service/src/config/publishOnce.ts';
import { localCredentialsFile, readLocalOrthancCredentials } from '../../inference-service/src/orthanc/localCredentials.ts';
import type { OrthancCredentials } from '../../inference-service/src/orthanc/types.ts';

const localUsername = 'cxr-findings';
/** The viewer proxy's account: Orthanc lets it read DICOMweb only (orthanc/lua/restrict-viewer-proxy.lua). */
const proxyUsername = 'cxr-viewer-proxy';
export const localProxyCredentialsFile = 'orthanc-proxy-credentials.json';

export async function ensureLocalOrthancCredentials(dataDir: string): Promise<OrthancCredentials> {
  return ensureCredentialsFile(dataDir, localCredentialsFile, localUsername);
}

export async function ensureLocalProxyCredentials(dataDir: string): Promise<OrthancCredentials> {
  return ensureCredentialsFile(dataDir, localProxyCredentialsFile, proxyUsername);
}

async function ensureCredentialsFile(dataDir: string, file: string, username: string): Promise<OrthancCredentials> {
  const existing = await readLocalOrthancCredentials(dataDir, file);
  if (existing) return existing;
  const credentials = { username, password: randomBytes(24).toString('base64url') };
  // When another process made them first, theirs win, so everyone agrees.
  await publishOnce(join(dataDir, file), `${JSON.stringify(credentials)}\n`);
  return (await readLocalOrthancCredentials(dataDir, file)) as OrthancCredentials;
}
