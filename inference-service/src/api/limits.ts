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
