/**
 * Checks OpenID Connect access tokens the way RFC 9068 (JWT access tokens) asks: the issuer's keys
 * come from its discovery document (OpenID Connect Discovery 1.0 §4) and JWKS, and a token counts only
 * with a valid signature by one of them, the configured `iss` and `aud`, a `typ` header of `at+jwt`
 * (or what the provider is configured to send), and an `exp` in the future. Its roles come from a
 * claim the provider fills (Keycloak: `realm_access.roles` or a client-roles mapper; Entra ID: `roles`).
 */
import { verifyWithJwks } from 'hono/jwt';
import type { HonoJsonWebKey } from 'hono/utils/jwt/jws';
import { ApiError, apiErrorCodes } from '../api/errors.ts';
import { BearerRefused } from './authenticate.ts';
import { isRole, type Principal, type Role } from './principal.ts';

export interface OidcVerifierOptions {
  readonly issuer: string;
  readonly audience: string;
  /** A claim name or a dotted path into the token (`realm_access.roles`). */
  readonly rolesClaim: string;
  /** The JWT `typ` header access tokens carry: RFC 9068's `at+jwt` by default; Entra ID and Keycloak send `JWT`. */
  readonly tokenType?: string;
  /** How long fetched keys are trusted before the next unknown `kid` may refetch them. */
  readonly minKeyRefreshMs?: number;
  readonly fetchTimeoutMs?: number;
}

/** Asymmetric algorithms only: an HMAC-signed token would be signed with something we would have to share. */
const allowedAlgorithms = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'] as const;

const refusalReasons: Record<string, string> = {
  JwtTokenExpired: 'it has expired',
  JwtTokenNotBefore: 'it is not valid yet',
  JwtTokenIssuedAt: 'it was issued in the future',
  JwtTokenIssuer: 'another issuer made it',
  JwtTokenAudience: 'it is meant for another audience',
  JwtPayloadRequiresAud: 'it names no audience',
  JwtHeaderInvalid: 'its header has the wrong typ, an unknown alg, or crit',
  JwtHeaderRequiresKid: 'its header names no key (kid)',
  JwtAlgorithmNotAllowed: 'its algorithm is not accepted',
  JwtSymmetricAlgorithmNotAllowed: 'it is signed with a shared secret (HMAC)',
  JwtAlgorithmMismatch: 'its algorithm does not match its key',
  JwtTokenSignatureMismatched: 'its signature is wrong',
  JwtTokenInvalid: 'it is malformed or signed with an unknown key',
};

interface Discovery {
  readonly issuer: string;
  readonly jwks_uri: string;
}

function claimAt(payload: Record<string, unknown>, path: string): unknown {
  let value: unknown = payload;
  for (const key of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

export function rolesFromClaim(value: unknown): Role[] {
  const names = Array.isArray(value) ? value : typeof value === 'string' ? value.split(' ') : [];
  return [...new Set(names.filter((name): name is string => typeof name === 'string' && isRole(name)))] as Role[];
}

export class OidcVerifier {
  readonly #options: OidcVerifierOptions;
  #discovery: Promise<Discovery> | undefined;
  #keys: HonoJsonWebKey[] = [];
  #keysFetchedAt = 0;

  constructor(options: OidcVerifierOptions) {
    this.#options = options;
  }

  async #fetchJson(url: string, what: string): Promise<unknown> {
    let response: Response;
    try {
      response = await fetch(url, { signal: AbortSignal.timeout(this.#options.fetchTimeoutMs ?? 5_000), headers: { Accept: 'application/json' } });
    } catch (cause) {
      throw new ApiError(503, apiErrorCodes.notReady, `The identity provider's ${what} at ${url} did not answer`, { cause });
    }
    if (!response.ok) throw new ApiError(503, apiErrorCodes.notReady, `The identity provider's ${what} at ${url} answered ${response.status}`);
    return response.json();
  }

  #discover(): Promise<Discovery> {
    this.#discovery ??= (async () => {
      const url = `${this.#options.issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
      const document = (await this.#fetchJson(url, 'discovery document')) as Partial<Discovery>;
      // Discovery §4.3: the document's issuer must be the one asked for, or tokens could name another.
      if (document.issuer !== this.#options.issuer || typeof document.jwks_uri !== 'string') {
        throw new ApiError(503, apiErrorCodes.notReady, `The discovery document at ${url} names issuer '${String(document.issuer)}', not '${this.#options.issuer}'`);
      }
      return { issuer: document.issuer, jwks_uri: document.jwks_uri };
    })().catch((error: unknown) => {
      this.#discovery = undefined;
      throw error;
    });
    return this.#discovery;
  }

  async #keysFor(kid: string | undefined): Promise<HonoJsonWebKey[]> {
    const known = this.#keys.some((key) => key.kid === kid);
    const stale = Date.now() - this.#keysFetchedAt > (this.#options.minKeyRefreshMs ?? 30_000);
    // A key rotation shows as an unknown kid; refetching at most every 30 s keeps junk tokens from hammering the provider.
    if (!known && (stale || this.#keys.length === 0)) {
      const { jwks_uri } = await this.#discover();
      const jwks = (await this.#fetchJson(jwks_uri, 'key set')) as { keys?: unknown };
      if (!Array.isArray(jwks.keys)) throw new ApiError(503, apiErrorCodes.notReady, `The key set at ${jwks_uri} has no 'keys' array`);
      this.#keys = jwks.keys as HonoJsonWebKey[];
      this.#keysFetchedAt = Date.now();
    }
    return this.#keys;
  }

  async verify(token: string): Promise<Principal> {
    const parts = token.split('.');
    if (parts.length !== 3) throw new BearerRefused('not a JWT');
    let kid: string | undefined;
    try {
      kid = (JSON.parse(Buffer.from(parts[0] ?? '', 'base64url').toString('utf8')) as { kid?: string }).kid;
    } catch {
      throw new BearerRefused('its header is not JSON');
    }
    const keys = await this.#keysFor(kid);
    let payload: Record<string, unknown>;
    try {
      payload = (await verifyWithJwks(token, {
        keys,
        allowedAlgorithms: [...allowedAlgorithms],
        verification: { iss: this.#options.issuer, aud: this.#options.audience, typ: this.#options.tokenType ?? 'at+jwt', exp: true, nbf: true },
      })) as Record<string, unknown>;
    } catch (error) {
      // The library's messages quote the token; the reason alone goes back to the caller.
      const name = error instanceof Error ? error.name : 'Error';
      throw new BearerRefused(refusalReasons[name] ?? `verification failed (${name})`);
    }
    // hono checks exp only when present; an access token without one would never end.
    if (typeof payload.exp !== 'number') throw new BearerRefused('it has no exp');
    if (typeof payload.sub !== 'string' || payload.sub === '') throw new BearerRefused('it has no sub');
    return { subject: payload.sub, roles: new Set(rolesFromClaim(claimAt(payload, this.#options.rolesClaim))), credential: 'oidc' };
  }
}
