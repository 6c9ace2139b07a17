/**
 * The `/changes` cursor, persisted in a small JSON file in the sidecar's data dir so a restarted
 * sidecar resumes where it stopped. Written atomically (temporary file, then rename, POSIX
 * rename(2)) so a crash mid-write leaves the old cursor, never a torn one.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface StoredCursor {
  /** The last change sequence number whose instance has been handled. */
  readonly since: number;
  /**
   * The Orthanc resource of change `since`: a replaced database that has grown past `since` has
   * another resource there, which is how the follower notices it.
   */
  readonly id?: string;
  readonly updatedAt: string;
}

export class CursorFileError extends Error {
  override readonly name = 'CursorFileError';
}

/** The saved cursor, or undefined when there is none yet. A file that is not a cursor is an error. */
export async function readCursor(path: string): Promise<Pick<StoredCursor, 'since' | 'id'> | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new CursorFileError(`Cannot read the changes cursor at ${path}`, { cause });
  }
  return parseCursor(text, path);
}

/** A stored cursor's text, checked; `where` names its place in the error. */
export function parseCursor(text: string, where: string): Pick<StoredCursor, 'since' | 'id'> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw new CursorFileError(`The changes cursor at ${where} is not JSON`, { cause });
  }
  const { since, id } = (parsed ?? {}) as { since?: unknown; id?: unknown };
  if (typeof since !== 'number' || !Number.isSafeInteger(since) || since < 0) {
    throw new CursorFileError(`The changes cursor at ${where} has no non-negative integer 'since'`);
  }
  if (id !== undefined && typeof id !== 'string') {
    throw new CursorFileError(`The changes cursor at ${where} has an 'id' that is not a string`);
  }
  return id === undefined ? { since } : { since, id };
}

export async function writeCursor(path: string, cursor: Pick<StoredCursor, 'since' | 'id'>, now: Date = new Date()): Promise<void> {
  const stored: StoredCursor = { ...cursor, updatedAt: now.toISOString() };
  await mkdir(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(stored)}\n`);
  await rename(temporary, path);
}

/** Where a follower keeps its cursor: this file by default; Redis for the shared queue's one follower. */
export interface CursorStore {
  /** The saved cursor, undefined when none yet; CursorFileError when what is stored is not a cursor. */
  read(): Promise<Pick<StoredCursor, 'since' | 'id'> | undefined>;
  write(cursor: Pick<StoredCursor, 'since' | 'id'>): Promise<void>;
}

export function fileCursorStore(path: string): CursorStore {
  return { read: () => readCursor(path), write: (cursor) => writeCursor(path, cursor) };
}
