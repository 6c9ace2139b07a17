/**
 * Orthanc's credentials on one machine (`npm start`): made once, kept in the data dir readable by
 * its owner only, and reused on every start, so the sidecar, `cxr-findings upload` and a user's
 * scripts all log in as the same user without anyone choosing a password.
 */
import { randomBytes } from 'node:crypto';
import { link, mkdir, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
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
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const credentials = { username, password: randomBytes(24).toString('base64url') };
  const path = join(dataDir, file);
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(temporary, `${JSON.stringify(credentials)}\n`, { mode: 0o600 });
  try {
    // link(2) publishes the complete file or fails with EEXIST: a reader never sees half of it, and
    // when another process made them first, theirs win so everyone agrees.
    await link(temporary, path);
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code !== 'EEXIST') throw cause;
  } finally {
    await unlink(temporary);
  }
  return (await readLocalOrthancCredentials(dataDir, file)) as OrthancCredentials;
}
