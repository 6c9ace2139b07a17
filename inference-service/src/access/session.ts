import { createHmac, randomBytes } from 'node:crypto';
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { safeEqual } from './safeEqual.ts';
import { isRole, type Principal, type Role } from './principal.ts';

/**
 * The browser's session after a login: a cookie holding who logged in, their roles and when it ends,
 * signed with HMAC-SHA-256 under a key derived from the API token (so every sidecar of one deployment
 * accepts it and a new token ends all sessions). It is only ever set by a successful login; logging
 * out revokes its id for the rest of its life. HttpOnly and SameSite=Strict (RFC 6265bis §8.8),
 * Secure behind TLS.
 */

export const sessionCookieName = 'cxr_session';
/** A working day. */
export const sessionMaxAgeSeconds = 12 * 60 * 60;
const keyPurpose = 'cxr-findings session key v2';

export interface SessionClaims {
  readonly sid: string;
  readonly sub: string;
  readonly roles: readonly Role[];
  /** Seconds since the epoch. */
  readonly exp: number;
}

export interface SessionCookieOptions {
  /** Mark cookies Secure even on plain HTTP (a TLS-terminating proxy is in front). */
  readonly alwaysSecure?: boolean;
}

export class SessionKeeper {
  readonly #key: Buffer;
  /** Logged-out session ids and when they would have expired anyway. */
  readonly #revoked = new Map<string, number>();
  readonly #alwaysSecure: boolean;

  constructor(apiToken: string, options: SessionCookieOptions = {}) {
    this.#key = createHmac('sha256', apiToken).update(keyPurpose).digest();
    this.#alwaysSecure = options.alwaysSecure ?? false;
  }

  #sign(payload: string): string {
    return createHmac('sha256', this.#key).update(payload).digest('base64url');
  }

  encode(claims: SessionClaims): string {
    const payload = Buffer.from(JSON.stringify(claims), 'utf8').toString('base64url');
    return `${payload}.${this.#sign(payload)}`;
  }

  /** The claims of a cookie value this sidecar signed and nobody logged out of; otherwise undefined. */
  decode(value: string | undefined, now: Date = new Date()): SessionClaims | undefined {
    if (!value || value.length > 4096) return undefined;
    const match = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]{43})$/.exec(value);
    if (!match) return undefined;
    const [, payload = '', signature = ''] = match;
    if (!safeEqual(signature, this.#sign(payload))) return undefined;
    let claims: SessionClaims;
    try {
      claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as SessionClaims;
    } catch {
      return undefined;
    }
    if (typeof claims.sid !== 'string' || typeof claims.sub !== 'string' || typeof claims.exp !== 'number' || !Array.isArray(claims.roles)) return undefined;
    if (claims.exp <= now.getTime() / 1000 || this.#revoked.has(claims.sid)) return undefined;
    return { ...claims, roles: claims.roles.filter((role): role is Role => typeof role === 'string' && isRole(role)) };
  }

  principalOf(c: Context, now: Date = new Date()): Principal | undefined {
    const claims = this.decode(getCookie(c, sessionCookieName), now);
    return claims ? { subject: claims.sub, roles: new Set(claims.roles), credential: 'local-session' } : undefined;
  }

  /** Sets a new session cookie for a user who just proved who they are. */
  start(c: Context, subject: string, roles: readonly Role[], now: Date = new Date()): SessionClaims {
    const claims: SessionClaims = {
      sid: randomBytes(16).toString('base64url'),
      sub: subject,
      roles: [...roles],
      exp: Math.floor(now.getTime() / 1000) + sessionMaxAgeSeconds,
    };
    setCookie(c, sessionCookieName, this.encode(claims), {
      path: '/',
      httpOnly: true,
      sameSite: 'Strict',
      secure: this.#alwaysSecure || new URL(c.req.url).protocol === 'https:',
      maxAge: sessionMaxAgeSeconds,
    });
    return claims;
  }

  /** Ends the request's session, if any: its id is refused from now on, and the browser drops the cookie. */
  end(c: Context, now: Date = new Date()): SessionClaims | undefined {
    const claims = this.decode(getCookie(c, sessionCookieName), now);
    if (claims) this.#revoked.set(claims.sid, claims.exp);
    const nowSeconds = now.getTime() / 1000;
    for (const [sid, exp] of this.#revoked) if (exp <= nowSeconds) this.#revoked.delete(sid);
    deleteCookie(c, sessionCookieName, { path: '/', httpOnly: true, sameSite: 'Strict', secure: this.#alwaysSecure || new URL(c.req.url).protocol === 'https:' });
    return claims;
  }
}
