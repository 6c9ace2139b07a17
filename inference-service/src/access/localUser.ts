/**
 * The login of one machine without an identity provider (`npm start`, or CXR_AUTH=local): one user,
 * whose password is made at the first start and kept in the data dir readable by its owner only,
 * like the API token beside it. Whoever can read that file could read the PACS's files anyway.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { publishOnce } from '../config/publishOnce.ts';

export const localUserFile = 'viewer-login.json';
export const localUsername = 'radiologist';

export interface LocalUser {
  readonly username: string;
  readonly password: string;
}

export async function readLocalUser(dataDir: string): Promise<LocalUser | undefined> {
  const path = join(dataDir, localUserFile);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`Cannot read the viewer login at ${path}`, { cause });
  }
  let parsed: Partial<LocalUser>;
  try {
    parsed = JSON.parse(text) as Partial<LocalUser>;
  } catch (cause) {
    throw new Error(`The viewer login at ${path} is not valid JSON`, { cause });
  }
  if (typeof parsed.username !== 'string' || parsed.username === '' || typeof parsed.password !== 'string' || parsed.password.length < 16) {
    throw new Error(`The viewer login at ${path} needs a non-empty 'username' and a 'password' of at least 16 characters`);
  }
  return { username: parsed.username, password: parsed.password };
}

/** The local user, made with a random password (0600) when the data dir has none yet. */
export async function ensureLocalUser(dataDir: string): Promise<LocalUser> {
  const existing = await readLocalUser(dataDir);
  if (existing) return existing;
  const user = { username: localUsername, password: randomBytes(18).toString('base64url') };
  // Two starts at once agree on one password: the first published wins.
  await publishOnce(join(dataDir, localUserFile), `${JSON.stringify(user)}\n`);
  return (await readLocalUser(dataDir)) as LocalUser;
}
