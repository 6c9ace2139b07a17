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

export async function ensureLocalOrthancCredentials(dataDir: string): Promise<OrthancCredentials> {
  const existing = await readLocalOrthancCredentials(dataDir);
  if (existing) return existing;
  await mkdir(dataDir, { recursive: true });
  const credentials = { username: localUsername, password: randomBytes(24).toString('base64url') };
  const path = join(dataDir, localCredentialsFile);
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
  return (await readLocalOrthancCredentials(dataDir)) as OrthancCredentials;
}
