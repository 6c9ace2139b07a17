import type { Context, MiddlewareHandler } from 'hono';
import { ApiError, apiErrorCodes } from '../api/errors.ts';
import { apiTokenPrincipal, type CredentialKind, type Principal, type Role } from './principal.ts';
import { safeEqual } from './safeEqual.ts';
import type { SessionKeeper } from './session.ts';

/**
 * Finds out who sent the request, once for the whole app: the API token or an OpenID Connect access
 * token as `Authorization: Bearer`, or the session cookie of a login. A credential that is presented
 * but wrong is refused at once (401), whatever the route; no credential leaves the request anonymous,
 * and the routes' `requireRole` decides.
 */

export class BearerRefused extends Error {
  override readonly name = 'BearerRefused';
}

export interface AuthenticateOptions {
  readonly apiToken: string;
  readonly sessions?: SessionKeeper;
  /** Verifies a bearer token that is not the API token (OpenID Connect); throws BearerRefused with the reason. */
  readonly verifyBearer?: (token: string) => Promise<Principal>;
}

const challenge = { 'WWW-Authenticate': 'Bearer realm="cxr-findings"' };

function unauthorized(c: Context, why: string): ApiError {
  return new ApiError(401, apiErrorCodes.unauthorized, `${c.req.method} ${c.req.path} needs authentication: ${why}`, { headers: challenge });
}

export function authenticate(options: AuthenticateOptions): MiddlewareHandler {
  return async (c, next) => {
    const header = c.req.header('Authorization');
    if (header !== undefined) {
      const match = /^Bearer[ ]+([A-Za-z0-9\-._~+/]+=*)[ ]*$/i.exec(header);
      if (!match) throw unauthorized(c, 'only Authorization: Bearer <token> is accepted');
      const token = match[1] as string;
      if (safeEqual(token, options.apiToken)) {
        c.set('principal', apiTokenPrincipal);
      } else if (options.verifyBearer) {
        try {
          c.set('principal', await options.verifyBearer(token));
        } catch (error) {
          if (error instanceof BearerRefused) throw unauthorized(c, `the bearer token is not valid (${error.message})`);
          throw error;
        }
      } else {
        throw unauthorized(c, 'the bearer token is not valid');
      }
      return next();
    }
    const session = options.sessions?.principalOf(c);
    if (session) c.set('principal', session);
    return next();
  };
}

export function principalOf(c: Context): Principal | undefined {
  return c.get('principal') as Principal | undefined;
}

/** Page requests of a browser without a session are sent to the login page instead of a JSON 401. */
export interface RequireRoleOptions {
  readonly loginPath?: string;
}

function wantsPage(c: Context): boolean {
  return c.req.method === 'GET' && /\btext\/html\b/.test(c.req.header('Accept') ?? '');
}

/** Lets the request through when its principal has `role`: 401 without a principal, 403 without the role. */
export function requireRole(role: Role, options: RequireRoleOptions = {}): MiddlewareHandler {
  return async (c, next) => {
    const principal = principalOf(c);
    if (!principal) {
      if (options.loginPath && wantsPage(c)) {
        const url = new URL(c.req.url);
        return c.redirect(`${options.loginPath}?next=${encodeURIComponent(`${url.pathname}${url.search}`)}`, 302);
      }
      throw unauthorized(c, 'send Authorization: Bearer <token>, or log in to the viewer');
    }
    if (!principal.roles.has(role)) {
      throw new ApiError(403, apiErrorCodes.forbidden, `${c.req.method} ${c.req.path} needs the '${role}' role, which ${principal.subject} does not have`);
    }
    return next();
  };
}

/** For routes only a kind of credential may call (the Orthanc hook: the API token). */
export function requireCredential(kind: CredentialKind): MiddlewareHandler {
  return async (c, next) => {
    const principal = principalOf(c);
    if (!principal) throw unauthorized(c, 'send Authorization: Bearer <CXR_API_TOKEN>');
    if (principal.credential !== kind) throw new ApiError(403, apiErrorCodes.forbidden, `${c.req.method} ${c.req.path} accepts the ${kind} only`);
    return next();
  };
}
