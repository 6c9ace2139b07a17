/**
 * One attempt to deliver one stored object (an SR, later a heatmap) to one destination, and what the
 * answer means. Orthanc makes the C-STORE for a DICOM destination (`/modalities/{id}/store`, so the
 * site's AE titles and TLS settings stay in Orthanc's configuration); the sidecar posts STOW-RS itself,
 * with the object's bytes read back from Orthanc and the destination's credentials from the server's
 * routing file. Success is proven by the answer, never assumed from a 2xx.
 */
import { randomBytes } from 'node:crypto';
import { OrthancHttpError, OrthancUnavailableError } from '../orthanc/errors.ts';
import { HttpExchange, HttpExchangeError } from '../orthanc/httpExchange.ts';
import type { OrthancClient } from '../orthanc/orthancClient.ts';
import type { DicomDestination, Destination, StowDestination } from './routingFile.ts';

/** A failed attempt, with its reason for the listing and the metrics. */
export class DeliveryError extends Error {
  override readonly name = 'DeliveryError';
  constructor(
    readonly reason: 'not-in-orthanc' | 'orthanc-unavailable' | 'refused' | 'unreachable' | 'timeout' | 'http-4xx' | 'http-5xx' | 'bad-answer',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface DeliveredObject {
  readonly SOPInstanceUID: string;
}

const stowTimeoutMs = 60_000;
const cStoreTimeoutMs = 60_000;

async function orthancIdOf(orthanc: OrthancClient, uid: string): Promise<string> {
  let id: string | undefined;
  try {
    id = await orthanc.instanceIdByUid(uid);
  } catch (error) {
    throw orthancFailure(error);
  }
  if (!id) throw new DeliveryError('not-in-orthanc', `the object ${uid} is not in Orthanc (deleted since it was stored?)`);
  return id;
}

function orthancFailure(error: unknown): DeliveryError {
  if (error instanceof OrthancUnavailableError) return new DeliveryError('orthanc-unavailable', error.message, { cause: error });
  if (error instanceof OrthancHttpError) return new DeliveryError(error.status >= 500 ? 'http-5xx' : 'http-4xx', error.message, { cause: error });
  return new DeliveryError('bad-answer', error instanceof Error ? error.message : String(error), { cause: error });
}

async function sendByCStore(orthanc: OrthancClient, destination: DicomDestination, object: DeliveredObject): Promise<void> {
  const id = await orthancIdOf(orthanc, object.SOPInstanceUID);
  let answer;
  try {
    answer = await orthanc.storeToModality(destination.modality, [id], cStoreTimeoutMs);
  } catch (error) {
    // Orthanc answers 500 with its DICOM error (peer down, association rejected) in the body.
    if (error instanceof OrthancHttpError && error.status === 500) throw new DeliveryError('refused', `C-STORE to '${destination.modality}' failed: ${error.message}`, { cause: error });
    throw orthancFailure(error);
  }
  if (answer.FailedInstancesCount !== 0 || (answer.InstancesCount ?? 0) < 1) {
    throw new DeliveryError('refused', `C-STORE to '${destination.modality}' (AE ${answer.RemoteAet ?? '?'}): ${answer.FailedInstancesCount ?? '?'} of ${answer.InstancesCount ?? '?'} instances failed`);
  }
}

/** PS3.18 §10.5: a multipart/related body of application/dicom parts. */
function stowBody(part10: Uint8Array): { body: Buffer; contentType: string } {
  const boundary = `cxr-${randomBytes(16).toString('hex')}`;
  const body = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Type: application/dicom\r\n\r\n`, 'latin1'),
    Buffer.from(part10.buffer, part10.byteOffset, part10.byteLength),
    Buffer.from(`\r\n--${boundary}--\r\n`, 'latin1'),
  ]);
  return { body, contentType: `multipart/related; type="application/dicom"; boundary=${boundary}` };
}

/** The SOP Instance UIDs of a STOW-RS answer's ReferencedSOPSequence (0008,1199) or FailedSOPSequence (0008,1198). */
function uidsIn(answer: Record<string, unknown>, sequenceTag: string): string[] {
  const sequence = answer[sequenceTag] as { Value?: Array<Record<string, { Value?: unknown[] }>> } | undefined;
  return (sequence?.Value ?? []).flatMap((item) => (item['00081155']?.Value ?? []).filter((v): v is string => typeof v === 'string'));
}

async function sendByStow(http: HttpExchange, orthanc: OrthancClient, destination: StowDestination, object: DeliveredObject): Promise<void> {
  const id = await orthancIdOf(orthanc, object.SOPInstanceUID);
  let part10: Uint8Array;
  try {
    part10 = await orthanc.instanceFile(id);
  } catch (error) {
    throw orthancFailure(error);
  }
  const { body, contentType } = stowBody(part10);
  const headers: Record<string, string> = { 'Content-Type': contentType, Accept: 'application/dicom+json' };
  const credentials = destination.credentials;
  if (credentials) headers.Authorization = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`, 'utf8').toString('base64')}`;
  const url = `${destination.url}/studies`;
  let answer;
  try {
    answer = await http.send(url, { method: 'POST', headers, body, timeoutMs: destination.timeoutMs ?? stowTimeoutMs, idempotent: true });
  } catch (error) {
    const timedOut = error instanceof HttpExchangeError && error.timedOut;
    throw new DeliveryError(timedOut ? 'timeout' : 'unreachable', `STOW-RS to ${url}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  const text = answer.body.toString('utf8');
  if (answer.status >= 500) throw new DeliveryError('http-5xx', `STOW-RS to ${url} answered ${answer.status}: ${text.slice(0, 200)}`);
  if (answer.status !== 200 && answer.status !== 202) throw new DeliveryError('http-4xx', `STOW-RS to ${url} answered ${answer.status}: ${text.slice(0, 200)}`);
  let parsed: Record<string, unknown> | undefined;
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    parsed = undefined;
  }
  // 200 means every instance was stored (PS3.18 §10.5.3); 202 that some were not, or with warnings.
  if (!parsed) {
    if (answer.status === 200) return;
    throw new DeliveryError('bad-answer', `STOW-RS to ${url} answered 202 without a readable JSON body`);
  }
  if (uidsIn(parsed, '00081198').includes(object.SOPInstanceUID)) throw new DeliveryError('refused', `STOW-RS to ${url} listed ${object.SOPInstanceUID} as failed`);
  if (!uidsIn(parsed, '00081199').includes(object.SOPInstanceUID)) throw new DeliveryError('bad-answer', `STOW-RS to ${url} did not list ${object.SOPInstanceUID} as stored`);
}

/** Sends objects to destinations; one instance per sidecar holds the kept-alive connections. */
export class ObjectSender {
  readonly #orthanc: OrthancClient;
  readonly #http = new HttpExchange();

  constructor(orthanc: OrthancClient) {
    this.#orthanc = orthanc;
  }

  send(destination: Destination, object: DeliveredObject): Promise<void> {
    return destination.type === 'dicom' ? sendByCStore(this.#orthanc, destination, object) : sendByStow(this.#http, this.#orthanc, destination, object);
  }

  close(): void {
    this.#http.close();
  }
}
