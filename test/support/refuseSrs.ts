/**
 * Makes a real Orthanc refuse SRs on demand: a Lua ReceivedInstanceFilter that returns false for SR
 * instances while a flag file exists. Orthanc then answers the store with HTTP 200 and Status
 * FilteredOut, which is how a site's filter (or a full disk policy) refuses without an error status.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface SrRefusal {
  /** The Lua script to load into Orthanc (`luaScripts`). */
  readonly script: string;
  refuse(): Promise<void>;
  accept(): Promise<void>;
  remove(): Promise<void>;
}

export async function srRefusal(): Promise<SrRefusal> {
  const dir = await mkdtemp(join(tmpdir(), 'cxr-refuse-srs-'));
  const flag = join(dir, 'refuse');
  const script = join(dir, 'refuse-srs.lua');
  await writeFile(
    script,
    [
      '-- Purpose (tests only): refuse every SR while the flag file exists.',
      `local flag = ${JSON.stringify(flag)}`,
      'function ReceivedInstanceFilter(dicom, origin, info)',
      "  if dicom.Modality ~= 'SR' then return true end",
      "  local f = io.open(flag, 'r')",
      '  if f == nil then return true end',
      '  f:close()',
      '  return false',
      'end',
      '',
    ].join('\n'),
  );
  return {
    script,
    refuse: () => writeFile(flag, 'refuse'),
    accept: () => rm(flag, { force: true }),
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
