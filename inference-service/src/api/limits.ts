import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { timeout } from 'hono/timeout';
import { ApiError, apiErrorCodes } from './errors.ts';

/** JSON bodies of this API are a few UIDs; anything near this size is not a real request. */
export const jsonBodyLimitBytes = 64 * 1024;

/** 413 in the API's error format, naming the limit (hono/body-limit). */
export function limitBody(maxBytes: number): MiddlewareHandler {
  return bodyLimit({
    maxSize: maxBytes,
    onError: (c) => {
      throw new ApiError(
        413,
        apiErrorCodes.payloadTooLarge,
        `${c.req.method} ${c.req.path}: the body is larger than the limit of ${formatBytes(maxBytes)}`,
        // The unread rest of the body is still on the wire: a client reusing this connection would
        // send its next request into it. Closing is what RFC 9110 §15.5.14 suggests for 413.
        { headers: { Connection: 'close' } },
      );
    },
  });
}

/**
 * 504 after `ms` (hono/timeout). The work itself is not cancelled: a classification already admitted
 * finishes and stores its SR, so asking again shortly after finds it.
 */
export function limitTime(ms: number): MiddlewareHandler {
  return timeout(
    ms,
    (c) =>
      new ApiError(
        504,
        apiErrorCodes.timeout,
        `${c.req.method} ${c.req.path} did not finish within ${ms} ms; work already started continues, ask again later`,
      ),
  );
}

function formatBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / (1024 * 1024)).toFixed(bytes % (1024 * 1024) === 0 ? 0 : 1)} MB` : `${Math.round(bytes / 1024)} KB`;
}

/**
 * The bytes of request bodies being held at once, across requests. The per-request limit alone lets
 * the queue's whole room of uploads each hold it (68 × 64 MB); this bounds their sum.
 */
export class BodyBudget {
  #inUse = 0;
  constructor(readonly maxBytes: number) {}

  get inUse(): number {
    return this.#inUse;
  }

  take(bytes: number): boolean {
    if (this.#inUse + bytes > this.maxBytes) return false;
    this.#inUse += bytes;
    return true;
  }

  give(bytes: number): void {
    this.#inUse = Math.max(0, this.#inUse - bytes);
  }
}

/**
 * Takes the body's declared size (or, undeclared, the per-request limit) from the budget before it is
 * read, and gives it back once the answer is made: 429 when the budget is spent, before a byte is read.
 */
export function limitTotalBodies(budget: BodyBudget, perRequestMaxBytes: number): MiddlewareHandler {
  return async (c, next) => {
    const declared = Number(c.req.header('content-length'));
    const bytes = Number.isSafeInteger(declared) && declared >= 0 ? Math.min(declared, perRequestMaxBytes) : perRequestMaxBytes;
    if (!budget.take(bytes)) {
      throw new ApiError(
        429,
        apiErrorCodes.uploadBudgetFull,
        `${c.req.method} ${c.req.path}: uploads being read hold ${formatBytes(budget.inUse)} of the ${formatBytes(budget.maxBytes)} allowed at once (CXR_BODY_TOTAL_MB); retry shortly`,
        { headers: { 'Retry-After': '1', Connection: 'close' } },
      );
    }
    try {
      await next();
    } finally {
      budget.give(bytes);
    }
  };
}
