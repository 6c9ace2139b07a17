/**
 * Reading the Orthanc credentials that `npm start` keeps in the data dir (tooling makes them), so
 * `cxr-findings upload` and `classify --pacs` log in as the sidecar does without anyone typing a password.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { OrthancCredentials } from './types.ts';

export const localCredentialsFile = 'orthanc-credentials.json';

/** The saved credentials, or undefined when `npm start` has not made any in this data dir yet. */
export async function readLocalOrthancCredentials(dataDir: string, file: string = localCredentialsFile): Promise<OrthancCredentials | undefined> {
  const path = join(dataDir, file);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`Cannot read Orthanc's credentials at ${path}`, { cause });
  }
  const parsed = JSON.parse(text) as Partial<OrthancCredentials>;
  if (typeof parsed.username !== 'string' || parsed.username === '' || typeof parsed.password !== 'string' || parsed.password === '') {
    throw new Error(`Orthanc's credentials at ${path} need a non-empty 'username' and 'password'`);
  }
  return { username: parsed.username, password: parsed.password };
}
