import { randomBytes } from 'node:crypto';
import { link, mkdir, unlink, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Writes a secret the data dir keeps (a password, credentials) unless the file exists: readable by its
 * owner only, and published with link(2), which makes the whole file appear or fails with EEXIST. So a
 * reader never sees half of it, and when two starts race, the first one's wins and both then read it.
 */
export async function publishOnce(path: string, contents: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(temporary, contents, { mode: 0o600 });
  try {
    await link(temporary, path);
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code !== 'EEXIST') throw cause;
  } finally {
    await unlink(temporary);
  }
}
