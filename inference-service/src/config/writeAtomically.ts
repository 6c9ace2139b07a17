import { randomBytes } from 'node:crypto';
import { rename, writeFile } from 'node:fs/promises';

/**
 * Replaces a file of the data dir whole: readers see the old file or the new one, never half. Each write
 * has a temporary name of its own, so two writes of one file at once (a store waking the retry of an entry
 * still being written) cannot rename each other's file away; the last rename wins.
 */
export async function writeAtomically(path: string, data: Uint8Array | string): Promise<void> {
  const temporary = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(temporary, data);
  await rename(temporary, path);
}
