import type { IncomingMessage } from 'node:http';
import type { Context, MiddlewareHandler } from 'hono';
import { ApiError, apiErrorCodes } from '../api/errors.ts';
import { principalOf } from './authenticate.ts';
import { checkRequestTarget } from './requestTarget.ts';

/**
 * What every request must pass before any route sees it: a plain request target, a Host this sidecar
 * answers to (DNS rebinding: a page on evil.example resolving to 127.0.0.1 sends `Host: evil.example`),
 * no method-override header (Orthanc honours them), and for state-changing requests riding on a
 * cookie, an Origin of this very site (RFC 6454; SameSite alone does not cover same-site subdomains).
 */

/** The request line's target as it arrived: Node's raw `url`, or (for `app.request` in tests) the URL's. */
function rawTarget(c: Context): string {
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  if (incoming?.url !== undefined) return incoming.url;
  const url = new URL(c.req.url);
  return `${url.pathname}${url.search}`;
}

export function requestTargetGuard(): MiddlewareHandler {
  return async (c, next) => {
    const refusal = checkRequestTarget(rawTarget(c));
    if (refusal) throw new ApiError(400, apiErrorCodes.refusedTarget, `Refused: ${refusal.message}`);
    return next();
  };
}

/** `Host` without its port, lower-cased; IPv6 literals without brackets. Undefined when malformed. */
export function hostnameOf(host: string): string | undefined {
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9.-]+))(?::([0-9]{1,5}))?$/.exec(host.trim());
  if (!match) return undefined;
  return (match[1] ?? match[2] ?? '').toLowerCase();
}

function hostHeader(c: Context): string {
  return c.req.header('Host') ?? new URL(c.req.url).host;
}

/** Loopback names, the address the sidecar listens on (unless it is a wildcard), and configured names. */
export function allowedHostnames(bindHost: string, publicHosts: readonly string[]): ReadonlySet<string> {
  const names = new Set(['localhost', '127.0.0.1', '::1']);
  const bind = bindHost.replace(/^\[|\]$/g, '').toLowerCase();
  if (bind !== '0.0.0.0' && bind !== '::' && bind !== '') names.add(bind);
  for (const name of publicHosts) {
    const hostname = hostnameOf(name);
    if (hostname) names.add(hostname);
  }
  return names;
}

export function hostGuard(allowed: ReadonlySet<string>): MiddlewareHandler {
  return async (c, next) => {
    const host = hostHeader(c);
    const hostname = hostnameOf(host);
    if (hostname === undefined || !allowed.has(hostname)) {
      throw new ApiError(421, apiErrorCodes.hostNotAllowed, `Refused: this sidecar does not answer to the host '${host.slice(0, 100)}' (add it to CXR_PUBLIC_HOSTS)`);
    }
    return next();
  };
}

/** Headers that make a server run another method than the one on the request line. */
export const methodOverrideHeaders = ['x-http-method-override', 'x-http-method', 'x-method-override'] as const;

export function methodOverrideGuard(): MiddlewareHandler {
  return async (c, next) => {
    for (const name of methodOverrideHeaders) {
      if (c.req.header(name) !== undefined) throw new ApiError(400, apiErrorCodes.invalidRequest, `Refused: the ${name} header is not accepted; use the method itself`);
    }
    return next();
  };
}

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Fetch Metadata first (browsers set `Sec-Fetch-Site` themselves and pages cannot), then Origin. Under
 * a strict Referrer-Policy a browser sends `Origin: null` even for a form of this very site.
 */
function isSameOrigin(c: Context): boolean {
  const site = c.req.header('Sec-Fetch-Site');
  if (site !== undefined) return site === 'same-origin';
  const origin = c.req.header('Origin');
  if (origin === undefined) return false;
  try {
    return origin !== 'null' && new URL(origin).host === hostHeader(c).toLowerCase();
  } catch {
    return false;
  }
}

function refuseCrossOrigin(c: Context): ApiError {
  const origin = c.req.header('Origin') ?? 'no Origin header';
  return new ApiError(403, apiErrorCodes.forbidden, `Refused: ${c.req.method} ${c.req.path} from another origin (${origin.slice(0, 100)})`);
}

/**
 * A state-changing request riding on the session cookie needs `Sec-Fetch-Site: same-origin` or an
 * Origin naming this site. A Bearer credential is
 * never added by a browser on its own, so it needs no such check; an anonymous request meets the
 * route's 401. Run after `authenticate`.
 */
export function originGuard(): MiddlewareHandler {
  return async (c, next) => {
    if (safeMethods.has(c.req.method) || principalOf(c)?.credential !== 'local-session') return next();
    if (!isSameOrigin(c)) throw refuseCrossOrigin(c);
    return next();
  };
}

/** For the login form itself, which has no credential yet: another site must not log a browser in (login CSRF). */
export function requireSameOrigin(): MiddlewareHandler {
  return async (c, next) => {
    if (!isSameOrigin(c)) throw refuseCrossOrigin(c);
    return next();
  };
}

/** Sent with every answer; pages set their own Content-Security-Policy (see viewer and login). */
export function securityHeaders(): MiddlewareHandler {
  return async (c, next) => {
    await next();
    const headers = c.res.headers;
    headers.set('X-Content-Type-Options', 'nosniff');
    headers.set('Referrer-Policy', 'same-origin');
    headers.set('X-Frame-Options', 'DENY');
    headers.set('Cross-Origin-Resource-Policy', 'same-origin');
    if (!headers.has('Content-Security-Policy')) headers.set('Content-Security-Policy', "default-src 'none'; frame-ancestors 'none'");
  };
}
