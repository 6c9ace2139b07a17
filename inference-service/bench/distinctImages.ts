import { execFileSync } from 'node:child_process';
import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * `count` copies of a real image, each with new Study/Series/SOP Instance UIDs (dcmtk's dcmodify
 * rewrites the header and keeps the compressed pixel data as it is), so every upload is a new image
 * and no SR is deduplicated away.
 */
export async function makeDistinctCopies(source: string, dir: string, count: number, prefix: string): Promise<string[]> {
  const files: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const file = join(dir, `${prefix}-${String(i).padStart(3, '0')}.dcm`);
    await copyFile(source, file);
    files.push(file);
  }
  // One dcmodify call for all files: each file gets its own generated UIDs.
  execFileSync('dcmodify', ['--no-backup', '--gen-stud-uid', '--gen-ser-uid', '--gen-inst-uid', ...files], { stdio: 'pipe' });
  return files;
}
