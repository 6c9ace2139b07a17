import { open, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { rawDatasetSyntax } from '../dicom/index.ts';

export interface CollectedFiles {
  readonly files: string[];
  /** Files found in folders that are neither DICOM Part-10 (no "DICM" at byte 128) nor a bare data set, passed over. */
  readonly skipped: string[];
  /** Arguments that do not exist. */
  readonly missing: string[];
}

/** Part-10 ("DICM" at byte 128), or a bare data set whose first element parses (old archives hold those). */
async function looksLikeDicom(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(132);
    const { bytesRead } = await handle.read(buffer, 0, 132, 0);
    if (bytesRead === 132 && buffer.toString('latin1', 128, 132) === 'DICM') return true;
    return rawDatasetSyntax(buffer.subarray(0, bytesRead), (await handle.stat()).size) !== undefined;
  } finally {
    await handle.close();
  }
}

/**
 * Expands the command line into files. Files named explicitly are always taken (a bad one must be
 * reported, not ignored); inside folders only Part-10 files are, so a README beside the images is no error.
 */
export async function collectFiles(args: readonly string[]): Promise<CollectedFiles> {
  const files: string[] = [];
  const skipped: string[] = [];
  const missing: string[] = [];
  async function walk(dir: string): Promise<void> {
    const entries = await readdir(dir, { withFileTypes: true });
    entries.sort((a, b) => a.name.localeCompare(b.name));
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile()) (await looksLikeDicom(path) ? files : skipped).push(path);
    }
  }
  for (const arg of args) {
    const info = await stat(arg).catch(() => undefined);
    if (!info) missing.push(arg);
    else if (info.isDirectory()) await walk(arg);
    else files.push(arg);
  }
  return { files, skipped, missing };
}
