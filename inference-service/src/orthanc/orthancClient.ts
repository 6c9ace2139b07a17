/**
 * A thin, typed wrapper over the parts of Orthanc's REST API the product uses. Every call has a
 * timeout; failures are either `OrthancUnavailableError` (could not reach it) or `OrthancHttpError`
 * (it answered non-2xx). Nothing here decides policy: callers do.
 */
import { OrthancHttpError, OrthancUnavailableError } from './errors.ts';
import { HttpExchange, HttpExchangeError, type HttpAnswer } from './httpExchange.ts';
import type {
  OrthancChange,
  OrthancChanges,
  OrthancCredentials,
  OrthancFindQuery,
  OrthancInstance,
  OrthancInstanceMetadata,
  OrthancLookupResult,
  OrthancModalityStoreResult,
  OrthancResourceType,
  OrthancSeries,
  OrthancSimplifiedTags,
  OrthancStudy,
  OrthancSystem,
  OrthancUploadResult,
} from './types.ts';

/** Long enough for a large study's upload on a loaded host, short enough that a hung Orthanc is noticed. */
const defaultRequestTimeoutMs = 30_000;

export interface OrthancClientOptions {
  /** Orthanc's base URL, e.g. `http://127.0.0.1:8042` (a path prefix behind a proxy is kept). */
  readonly url: string;
  /** Absent: no Authorization header (an Orthanc with authentication off, or behind an authenticating proxy). */
  readonly credentials?: OrthancCredentials;
  /** Per-request timeout; past it the call fails with `OrthancUnavailableError`. */
  readonly timeoutMs?: number;
  /**
   * Further endpoints of Orthancs that share this one's index (PostgreSQL with `Lock: false`): they hold
   * the same instances under the same IDs and the same /changes. A call that cannot reach the current
   * endpoint goes to the next, which stays current until it fails in turn.
   */
  readonly failoverUrls?: readonly string[];
}

/** Connection failures that prove the request never reached Orthanc: safe to send elsewhere. */
const unreachableCodes = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
const idempotentMethods = new Set(['GET', 'HEAD', 'PUT', 'DELETE']);

interface RequestOptions {
  readonly body?: Uint8Array | string;
  readonly contentType?: string;
  readonly timeoutMs?: number;
  /** A read-only POST (lookup, find): safe to send again when a kept-alive connection drops under it. */
  readonly idempotent?: boolean;
}

export class OrthancClient {
  readonly #urls: readonly string[];
  #current = 0;
  readonly #authorization: string | undefined;
  readonly #timeoutMs: number;
  readonly #http = new HttpExchange();

  constructor(options: OrthancClientOptions) {
    for (const url of [options.url, ...(options.failoverUrls ?? [])]) {
      if (!/^https?:\/\//.test(url)) throw new Error(`OrthancClient: option 'url' must be an http(s) URL, got '${url}'`);
    }
    this.#urls = [options.url, ...(options.failoverUrls ?? [])].map((url) => url.replace(/\/+$/, ''));
    // RFC 7617 basic authentication; Orthanc's RegisteredUsers are checked this way.
    const credentials = options.credentials;
    this.#authorization = credentials && `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`, 'utf8').toString('base64')}`;
    this.#timeoutMs = options.timeoutMs ?? defaultRequestTimeoutMs;
  }

  /** The endpoint calls go to now (the first one until it cannot be reached). */
  get url(): string {
    return this.#urls[this.#current] as string;
  }

  /** Every endpoint, the first one first. */
  get urls(): readonly string[] {
    return this.#urls;
  }

  system(): Promise<OrthancSystem> {
    return this.#json('GET', '/system');
  }

  /**
   * Stores one Part-10 file. Orthanc refuses non-DICOM with 400 ("Bad file format"); a Lua filter's
   * refusal is still 200, with Status FilteredOut: the caller must read `Status`.
   */
  uploadInstance(part10: Uint8Array): Promise<OrthancUploadResult> {
    return this.#json('POST', '/instances', { body: part10, contentType: 'application/dicom' });
  }

  /** Which Orthanc resources carry this DICOM UID (any level); empty when none. */
  lookupUid(uid: string): Promise<OrthancLookupResult[]> {
    return this.#json('POST', '/tools/lookup', { body: uid, contentType: 'text/plain', idempotent: true });
  }

  /** The Orthanc ID of the study with this StudyInstanceUID, or undefined. */
  studyIdByUid(StudyInstanceUID: string): Promise<string | undefined> {
    return this.#idByUid(StudyInstanceUID, 'Study');
  }

  seriesIdByUid(SeriesInstanceUID: string): Promise<string | undefined> {
    return this.#idByUid(SeriesInstanceUID, 'Series');
  }

  instanceIdByUid(SOPInstanceUID: string): Promise<string | undefined> {
    return this.#idByUid(SOPInstanceUID, 'Instance');
  }

  study(studyId: string): Promise<OrthancStudy> {
    return this.#json('GET', `/studies/${encodeId(studyId)}`);
  }

  series(seriesId: string): Promise<OrthancSeries> {
    return this.#json('GET', `/series/${encodeId(seriesId)}`);
  }

  instance(instanceId: string): Promise<OrthancInstance> {
    return this.#json('GET', `/instances/${encodeId(instanceId)}`);
  }

  studyInstances(studyId: string): Promise<OrthancInstance[]> {
    return this.#json('GET', `/studies/${encodeId(studyId)}/instances`);
  }

  seriesInstances(seriesId: string): Promise<OrthancInstance[]> {
    return this.#json('GET', `/series/${encodeId(seriesId)}/instances`);
  }

  /** The stored Part-10 bytes, exactly as uploaded. */
  async instanceFile(instanceId: string): Promise<Uint8Array> {
    const { body } = await this.#request('GET', `/instances/${encodeId(instanceId)}/file`);
    return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
  }

  /** All tags by keyword; sequences nested, bulk data (PixelData) null. */
  instanceTags(instanceId: string): Promise<OrthancSimplifiedTags> {
    return this.#json('GET', `/instances/${encodeId(instanceId)}/simplified-tags`);
  }

  /** Orthanc's own metadata: SopClassUid, TransferSyntax, Origin, RemoteAET, ReceptionDate… */
  instanceMetadata(instanceId: string): Promise<OrthancInstanceMetadata> {
    return this.#json('GET', `/instances/${encodeId(instanceId)}/metadata?expand`);
  }

  /**
   * Instances whose main DICOM tags (theirs or their parents': e.g. StudyInstanceUID, Modality)
   * match the query, expanded. Example: all SRs of a study,
   * `findInstances({Query: {StudyInstanceUID: uid, Modality: 'SR'}})`.
   */
  findInstances(query: OrthancFindQuery): Promise<OrthancInstance[]> {
    return this.#find('Instance', query);
  }

  findSeries(query: OrthancFindQuery): Promise<OrthancSeries[]> {
    return this.#find('Series', query);
  }

  findStudies(query: OrthancFindQuery): Promise<OrthancStudy[]> {
    return this.#find('Study', query);
  }

  /** One page of the change log after `since` (exclusive). */
  changes(since: number, limit: number): Promise<OrthancChanges> {
    return this.#json('GET', `/changes?since=${Math.trunc(since)}&limit=${Math.trunc(limit)}`);
  }

  /** The last change Orthanc logged, or undefined when its change log is empty. */
  async lastChange(): Promise<OrthancChange | undefined> {
    const page = await this.#json<OrthancChanges>('GET', '/changes?last');
    return page.Changes.at(-1);
  }

  /**
   * Orthanc sends the instances to one of its `DicomModalities` by C-STORE and answers when the
   * association is done (`Synchronous`): `FailedInstancesCount` says how many the peer did not take.
   */
  storeToModality(modality: string, instanceIds: readonly string[], timeoutMs?: number): Promise<OrthancModalityStoreResult> {
    const body = JSON.stringify({ Resources: instanceIds, Synchronous: true });
    return this.#json('POST', `/modalities/${encodeId(modality)}/store`, { body, contentType: 'application/json', ...(timeoutMs !== undefined ? { timeoutMs } : {}) });
  }

  async deleteInstance(instanceId: string): Promise<void> {
    await this.#request('DELETE', `/instances/${encodeId(instanceId)}`);
  }

  async #idByUid(uid: string, type: OrthancResourceType): Promise<string | undefined> {
    const found = await this.lookupUid(uid);
    return found.find((r) => r.Type === type)?.ID;
  }

  #find<T>(level: OrthancResourceType, query: OrthancFindQuery): Promise<T[]> {
    const body = JSON.stringify({ ...query, Level: level, Expand: true });
    return this.#json('POST', '/tools/find', { body, contentType: 'application/json', idempotent: true });
  }

  async #json<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const { status, body } = await this.#request(method, path, options);
    const text = body.toString('utf8');
    try {
      return JSON.parse(text) as T;
    } catch (cause) {
      throw new OrthancHttpError(method, this.url + path, status, `not JSON: ${text.slice(0, 200)}`, { cause });
    }
  }

  async #request(method: string, path: string, options: RequestOptions = {}): Promise<HttpAnswer> {
    const headers: Record<string, string> = {};
    if (this.#authorization !== undefined) headers.Authorization = this.#authorization;
    if (options.contentType !== undefined) headers['Content-Type'] = options.contentType;
    const idempotent = options.idempotent ?? idempotentMethods.has(method.toUpperCase());
    let answer: HttpAnswer;
    for (let tried = 1; ; tried++) {
      const url = this.url + path;
      try {
        answer = await this.#http.send(url, {
          method,
          headers,
          timeoutMs: options.timeoutMs ?? this.#timeoutMs,
          ...(options.body !== undefined ? { body: options.body } : {}),
          ...(options.idempotent !== undefined ? { idempotent: options.idempotent } : {}),
        });
        break;
      } catch (cause) {
        const timedOut = cause instanceof HttpExchangeError && cause.timedOut;
        const code = ((cause as { cause?: NodeJS.ErrnoException }).cause ?? (cause as NodeJS.ErrnoException)).code;
        // A call that timed out or was reset may have been acted on: only one that may be sent twice goes elsewhere.
        const neverSent = code !== undefined && unreachableCodes.has(code) && !timedOut;
        const failOver = tried < this.#urls.length && (neverSent || (idempotent && (timedOut || code === 'ECONNRESET')));
        if (failOver) {
          this.#current = (this.#current + 1) % this.#urls.length;
          continue;
        }
        throw new OrthancUnavailableError(method, url, cause instanceof Error ? cause.message : String(cause), { cause, timedOut });
      }
    }
    if (answer.status < 200 || answer.status > 299) {
      throw new OrthancHttpError(method, this.url + path, answer.status, answer.body.toString('utf8'));
    }
    return answer;
  }

  /** Lets go of the kept-alive connections to Orthanc (a process that is done with Orthanc calls this). */
  close(): void {
    this.#http.close();
  }
}

function encodeId(id: string): string {
  return encodeURIComponent(id);
}
