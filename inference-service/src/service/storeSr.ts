/**
 * One attempt to store a findings SR in Orthanc, and what its answer means. Orthanc answers HTTP 200 to a
 * store its Lua `ReceivedInstanceFilter` refused (Status FilteredOut), so a 2xx alone proves nothing:
 * only Success, or AlreadyStored of an SR for the same image and model, means the SR is there.
 */
import { readDicomDataset } from '../dicom/index.ts';
import { OrthancHttpError, OrthancUnavailableError } from '../orthanc/errors.ts';
import type { OrthancClient } from '../orthanc/orthancClient.ts';
import { readFindingsSrIdentity, type FindingsSr } from '../sr/index.ts';

/** Why a store did not happen; the metrics label `reason` and the outbox's listing use these. */
export const srStoreFailureReasons = {
  filteredOut: 'filtered-out',
  otherContent: 'already-stored-other-content',
  unexpectedStatus: 'unexpected-status',
  clientError: 'http-4xx',
  serverError: 'http-5xx',
  timeout: 'timeout',
  unavailable: 'unavailable',
} as const;

export type SrStoreFailureReason = (typeof srStoreFailureReasons)[keyof typeof srStoreFailureReasons];

export class SrNotStoredError extends Error {
  override readonly name = 'SrNotStoredError';
  constructor(
    readonly reason: SrStoreFailureReason,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** Orthanc down or slow is no fault of the SR: the outbox waits for it without counting it as a refusal. */
  get isOutage(): boolean {
    return this.reason === srStoreFailureReasons.unavailable || this.reason === srStoreFailureReasons.timeout;
  }
}

export type SrStoreOutcome = 'stored' | 'already-stored';

/** An object Orthanc holds, and the ID Orthanc gave it (its changes feed names it by that ID). */
export interface StoredObject {
  readonly status: SrStoreOutcome;
  readonly orthancId: string;
}

/**
 * Uploads the SR once. Resolves only when the SR is in Orthanc; rejects with `SrNotStoredError` naming the
 * reason otherwise. Sending the same bytes again is safe: the UIDs are deterministic, so a store that did
 * happen before a lost answer comes back as AlreadyStored, which is checked to be the same SR.
 */
export async function storeSr(orthanc: OrthancClient, sr: Pick<FindingsSr, 'part10' | 'dataset' | 'SOPInstanceUID'>): Promise<StoredObject> {
  let status: string;
  let orthancId: string;
  try {
    const answer = await orthanc.uploadInstance(sr.part10);
    status = answer.Status;
    orthancId = answer.ID;
  } catch (error) {
    throw asNotStored(error, sr.SOPInstanceUID);
  }
  if (status === 'Success') return { status: 'stored', orthancId };
  if (status === 'FilteredOut') {
    throw new SrNotStoredError(srStoreFailureReasons.filteredOut, `Orthanc refused SR ${sr.SOPInstanceUID} (Status FilteredOut: a filter in Orthanc did not accept it)`);
  }
  if (status !== 'AlreadyStored') {
    throw new SrNotStoredError(srStoreFailureReasons.unexpectedStatus, `Orthanc answered the store of SR ${sr.SOPInstanceUID} with Status '${status}'`);
  }
  await assertSameSr(orthanc, orthancId, sr);
  return { status: 'already-stored', orthancId };
}

/** What is stored under our UID must be our SR for the same image and model, not something else. */
async function assertSameSr(orthanc: OrthancClient, orthancId: string, sr: Pick<FindingsSr, 'dataset' | 'SOPInstanceUID'>): Promise<void> {
  let stored;
  try {
    stored = readFindingsSrIdentity(readDicomDataset(await orthanc.instanceFile(orthancId)).dataset);
  } catch (error) {
    if (error instanceof OrthancUnavailableError || error instanceof OrthancHttpError) throw asNotStored(error, sr.SOPInstanceUID);
    stored = undefined;
  }
  const ours = readFindingsSrIdentity(sr.dataset);
  const same =
    stored !== undefined &&
    ours !== undefined &&
    stored.referencedSOPInstanceUID === ours.referencedSOPInstanceUID &&
    stored.modelId === ours.modelId &&
    stored.onnxSha256 === ours.onnxSha256;
  if (!same) {
    throw new SrNotStoredError(
      srStoreFailureReasons.otherContent,
      `Orthanc already holds an instance with SR ${sr.SOPInstanceUID}'s UID (Orthanc ID ${orthancId}) that is not the findings SR of the same image and model`,
    );
  }
}

function asNotStored(error: unknown, uid: string): SrNotStoredError {
  if (error instanceof SrNotStoredError) return error;
  if (error instanceof OrthancUnavailableError) {
    const reason = error.timedOut ? srStoreFailureReasons.timeout : srStoreFailureReasons.unavailable;
    return new SrNotStoredError(reason, `SR ${uid} was not stored: ${error.message}`, { cause: error });
  }
  if (error instanceof OrthancHttpError) {
    const reason = error.status >= 500 ? srStoreFailureReasons.serverError : srStoreFailureReasons.clientError;
    return new SrNotStoredError(reason, `SR ${uid} was not stored: ${error.message}`, { cause: error });
  }
  throw error;
}
