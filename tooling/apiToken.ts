import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { dataFiles } from '../inference-service/src/config/defaults.ts';

/**
 * The API token `npm start` hands to the sidecar and the Lua hook: made once, kept in the data dir
 * readable by its owner only, and reused on every start so scripts that saved it keep working.
 */
export async function ensureApiToken(dataDir: string): Promise<string> {
  const path = join(dataDir, dataFiles.apiToken);
  try {
    const existing = (await readFile(path, 'utf8')).trim();
    if (existing.length >= 16) return existing;
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new Error(`Cannot read the API token at ${path}`, { cause });
    }
  }
  await mkdir(dataDir, { recursive: true });
  const token = randomBytes(32).toString('base64url');
  await writeFile(path, `${token}\n`, { mode: 0o600 });
  return token;
}
