/**
 * `cxr-findings upload`: sends DICOM files to Orthanc (what the original `publisher_DICOM.py` did),
 * with progress, and says how many were new, already stored, or refused and why.
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { configDefaults, configEnv } from '../config/defaults.ts';
import { isDicomReadError, scanLimits } from '../dicom/index.ts';
import { OrthancHttpError, OrthancUnavailableError } from '../orthanc/errors.ts';
import { OrthancClient } from '../orthanc/orthancClient.ts';
import { collectFiles } from './collectFiles.ts';
import { orthancClientFrom } from './orthancFromEnv.ts';
import { startProgress } from './progress.ts';

export const uploadUsage = `cxr-findings upload <files or folders> [options]

Sends DICOM files to Orthanc; folders are searched recursively (only DICOM Part-10 files in them).
Orthanc is ${configEnv.orthancUrl} (default ${configDefaults.orthancUrl}) with ${configEnv.orthancUsername}
and ${configEnv.orthancPassword}, or else the credentials \`npm start\` keeps in ${configEnv.dataDir} (default ${configDefaults.dataDir}).
Exits non-zero when Orthanc refused a file or a path does not exist.

  --url URL        Orthanc's URL (overrides ${configEnv.orthancUrl})
  --parallel N     uploads at once (default 4)`;

export interface UploadIo {
  readonly env?: Record<string, string | undefined>;
  /** The report (stdout by default). */
  readonly out?: (line: string) => void;
  /** Problems (stderr by default). */
  readonly err?: (line: string) => void;
}

export interface UploadCounts {
  readonly stored: number;
  readonly alreadyStored: number;
  readonly refused: ReadonlyArray<{ readonly file: string; readonly reason: string }>;
}

/** Orthanc answers these for every file alike: going on would only repeat them. */
class UploadAbortedError extends Error {
  override readonly name = 'UploadAbortedError';
}

export async function runUploadCommand(args: string[], io: UploadIo = {}): Promise<number> {
  const env = io.env ?? process.env;
  const out = io.out ?? ((line: string) => console.log(line));
  const err = io.err ?? ((line: string) => console.error(line));
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      url: { type: 'string' },
      parallel: { type: 'string', default: '4' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help || positionals.length === 0) {
    out(uploadUsage);
    return values.help ? 0 : 2;
  }
  const parallel = Number(values.parallel);
  if (!Number.isInteger(parallel) || parallel < 1) throw new Error(`--parallel must be a positive integer, got '${values.parallel}'`);
  const client = await orthancClientFrom(env, values.url);

  const { files, skipped, missing } = await collectFiles(positionals);
  for (const path of missing) err(`${path}: no such file or folder`);
  if (skipped.length > 0) err(`Passed over ${skipped.length} file(s) in folders that are not DICOM Part-10.`);

  let counts: UploadCounts;
  try {
    counts = await uploadFiles(client, files, parallel);
  } catch (error) {
    if (error instanceof UploadAbortedError) {
      err(`cxr-findings upload: ${error.message}`);
      return 1;
    }
    throw error;
  }

  out(
    `Sent ${files.length} file(s) to ${client.url}: ${counts.stored} new, ${counts.alreadyStored} already stored, ` +
      `${counts.refused.length} refused` +
      (skipped.length > 0 ? `, ${skipped.length} passed over (not DICOM)` : '') +
      '.',
  );
  for (const { file, reason } of counts.refused) err(`refused ${file}: ${reason}`);
  return counts.refused.length > 0 || missing.length > 0 ? 1 : 0;
}

/** Uploads `parallel` files at a time; a refused file is counted, an unreachable or locked Orthanc stops everything. */
export async function uploadFiles(client: OrthancClient, files: readonly string[], parallel: number): Promise<UploadCounts> {
  let stored = 0;
  let alreadyStored = 0;
  const refused: Array<{ file: string; reason: string }> = [];
  const progress = startProgress(files.length, 'upload');
  const queue = [...files];
  let aborted: UploadAbortedError | undefined;

  const worker = async (): Promise<void> => {
    for (let file = queue.shift(); file !== undefined && !aborted; file = queue.shift()) {
      try {
        const bytes = new Uint8Array(await readFile(file));
        // Orthanc 1.10 itself crashes on a few thousand nested sequences: what this tool sends, it
        // could read within the limits.
        if (bytes.length >= 132) scanLimits(bytes);
        const result = await client.uploadInstance(bytes);
        if (result.Status === 'AlreadyStored') alreadyStored++;
        else if (result.Status === 'Success') stored++;
        // Orthanc answers 200 to what a Lua filter refused: that file is not stored.
        else refused.push({ file, reason: `Orthanc did not store it (Status ${result.Status})` });
      } catch (error) {
        const fatal = fatalReason(error, client.url);
        if (fatal !== undefined) {
          aborted ??= new UploadAbortedError(fatal, { cause: error });
          return;
        }
        refused.push({ file, reason: refusalReason(error) });
      }
      progress.tick(file);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(parallel, Math.max(1, files.length)) }, worker));
  } finally {
    progress.stop();
  }
  if (aborted) throw aborted;
  // Report refusals in the order the files were given, whatever order the uploads finished in.
  refused.sort((a, b) => files.indexOf(a.file) - files.indexOf(b.file));
  return { stored, alreadyStored, refused };
}

function fatalReason(error: unknown, url: string): string | undefined {
  if (error instanceof OrthancUnavailableError) return `${error.message}. Is Orthanc running at ${url}?`;
  if (error instanceof OrthancHttpError && (error.status === 401 || error.status === 403)) {
    return `Orthanc at ${url} refused the credentials (${error.status}): set ${configEnv.orthancUsername} and ${configEnv.orthancPassword}`;
  }
  return undefined;
}

function refusalReason(error: unknown): string {
  if (isDicomReadError(error)) return `not sent: ${error.message}`;
  if (error instanceof OrthancHttpError) {
    // Keep Orthanc's own words ("Bad file format", "Inexistent tag"…) after the status.
    const said = error.message.replace(/^Orthanc answered \d+ to \S+ \S+: /, '');
    return `Orthanc answered ${error.status}: ${said}`;
  }
  if (error instanceof Error && 'code' in error) return `cannot read the file (${String((error as NodeJS.ErrnoException).code)})`;
  return error instanceof Error ? error.message : String(error);
}

/** The environment's credentials, else those `npm start` made for the local Orthanc, else none. */
