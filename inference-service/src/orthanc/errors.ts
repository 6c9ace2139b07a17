/**
 * The two ways a call to Orthanc fails. The sidecar maps `OrthancUnavailableError` to 503 (the PACS
 * is down or too slow) and inspects `OrthancHttpError.status` for the rest.
 */

/** Orthanc could not be reached: connection refused, DNS, reset, or no answer within the timeout. */
export class OrthancUnavailableError extends Error {
  override readonly name = 'OrthancUnavailableError';
  /** No answer within the timeout: unlike a refused connection, Orthanc may have acted on the request. */
  readonly timedOut: boolean;
  constructor(
    readonly method: string,
    readonly url: string,
    reason: string,
    options: { cause?: unknown; timedOut?: boolean } = {},
  ) {
    super(`Orthanc is unavailable: ${method} ${url} failed (${reason})`, { cause: options.cause });
    this.timedOut = options.timedOut ?? false;
  }
}

/** Orthanc answered with a non-2xx status; `body` is its answer (usually JSON with a `Message`). */
export class OrthancHttpError extends Error {
  override readonly name = 'OrthancHttpError';
  constructor(
    readonly method: string,
    readonly url: string,
    readonly status: number,
    readonly body: string,
    options?: { cause?: unknown },
  ) {
    super(`Orthanc answered ${status} to ${method} ${url}: ${summarize(body)}`, options);
  }

  get isNotFound(): boolean {
    return this.status === 404;
  }
}

/** Orthanc's errors are JSON with `Message`/`Details`; keep the message short and readable. */
function summarize(body: string): string {
  try {
    const parsed = JSON.parse(body) as { Message?: unknown; Details?: unknown };
    const parts = [parsed.Message, parsed.Details].filter((p): p is string => typeof p === 'string' && p !== '');
    if (parts.length > 0) return parts.join(': ');
  } catch {
    // not JSON: fall through to the raw text
  }
  const text = body.trim();
  return text === '' ? '(empty body)' : text.slice(0, 200);
}
