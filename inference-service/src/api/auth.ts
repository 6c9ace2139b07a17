import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { ApiError, apiErrorCodes } from './errors.ts';

/**
 * Who may call the API. Programs (the CLI, the Lua hook, scripts) send `Authorization: Bearer <token>`.
 * The browser viewer cannot hold the token, so the page that serves it sets a session cookie: an HMAC
 * keyed by the token over the time it was issued. It proves the browser loaded the viewer from this
 * sidecar; SameSite=Strict keeps other sites from riding on it (RFC 6265bis §8.8).
 */

export const viewerSessionCookie = 'cxr_viewer_session';
/** A working day; the viewer page re-issues it on every load. */
export const viewerSessionMaxAgeSeconds = 12 * 60 * 60;
const sessionPurpose = 'cxr-findings viewer session v1';

/** Compares in constant time; hashing first makes the lengths equal without leaking them. */
export function safeEqual(a: string, b: string): boolean {
  const digest = (value: string) => createHash('sha256').update(value, 'utf8').digest();
  return timingSafeEqual(digest(a), digest(b));
}

function sessionSignature(token: string, issuedAtSeconds: number): string {
  return createHmac('sha256', token).update(`${sessionPurpose}:${issuedAtSeconds}`).digest('base64url');
}

export function viewerSessionValue(token: string, now: Date = new Date()): string {
  const issuedAt = Math.floor(now.getTime() / 1000);
  return `${issuedAt}.${sessionSignature(token, issuedAt)}`;
}

export function isValidViewerSession(value: string | undefined, token: string, now: Date = new Date()): boolean {
  if (!value) return false;
  const match = /^(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(value);
  if (!match) return false;
  const issuedAt = Number(match[1]);
  const age = now.getTime() / 1000 - issuedAt;
  // A little slack for clocks; a cookie from the future beyond it is forged or from a broken clock.
  if (age < -60 || age > viewerSessionMaxAgeSeconds) return false;
  return safeEqual(match[2] ?? '', sessionSignature(token, issuedAt));
}

/**
 * Sets the viewer's session cookie on the response. The viewer route calls this when it serves
 * index.html; `Secure` follows the request's scheme so plain-HTTP localhost keeps working.
 */
export function issueViewerSession(c: Context, token: string, now: Date = new Date()): void {
  setCookie(c, viewerSessionCookie, viewerSessionValue(token, now), {
    path: '/',
    httpOnly: true,
    sameSite: 'Strict',
    secure: new URL(c.req.url).protocol === 'https:',
    maxAge: viewerSessionMaxAgeSeconds,
  });
}

function bearerToken(c: Context): string | undefined {
  const header = c.req.header('Authorization');
  const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  return match?.[1];
}

/** Requires the bearer token, or (with `allowViewerSession`) the viewer's session cookie. */
export function requireAuth(token: string, options: { allowViewerSession?: boolean } = {}): MiddlewareHandler {
  return async (c, next) => {
    const presented = bearerToken(c);
    if (presented !== undefined && safeEqual(presented, token)) return next();
    if (options.allowViewerSession && isValidViewerSession(getCookie(c, viewerSessionCookie), token)) return next();
    const why =
      presented !== undefined
        ? 'the bearer token is not valid'
        : options.allowViewerSession
          ? 'send Authorization: Bearer <CXR_API_TOKEN>, or open the viewer served by this sidecar'
          : 'send Authorization: Bearer <CXR_API_TOKEN>';
    throw new ApiError(401, apiErrorCodes.unauthorized, `${c.req.method} ${c.req.path} needs authentication: ${why}`, {
      headers: { 'WWW-Authenticate': 'Bearer realm="cxr-findings"' },
    });
  };
}
