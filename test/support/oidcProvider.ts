/**
 * A real OpenID provider for tests: npm's `oidc-provider` (the certified implementation) on a free
 * port, issuing RFC 9068 JWT access tokens for the sidecar's audience. Its development login form takes
 * any user name; the user's roles come from the table below, as a hospital's directory would give them.
 * Service accounts use client credentials.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import Provider from 'oidc-provider';
import { findFreePort } from '../../tooling/freePort.ts';

export const oidcAudience = 'urn:cxr-findings:api';
export const viewerClientId = 'cxr-viewer';

/** Users of the directory and their roles; anyone else logs in with none. */
export const directory: Record<string, readonly string[]> = {
  clinician: ['read', 'classify'],
  reader: ['read'],
};

export interface ServiceAccount {
  readonly clientId: string;
  readonly clientSecret: string;
  readonly roles: readonly string[];
}

export interface TestOidcProvider {
  readonly issuer: string;
  readonly serviceAccounts: { readonly classifier: ServiceAccount; readonly reader: ServiceAccount; readonly nobody: ServiceAccount };
  /** An access token for a service account (client credentials grant). */
  clientCredentialsToken(account: ServiceAccount): Promise<string>;
  stop(): Promise<void>;
}

export async function startOidcProvider(options: { viewerOrigin?: string; accessTokenTtlSeconds?: number } = {}): Promise<TestOidcProvider> {
  const port = await findFreePort();
  const issuer = `http://127.0.0.1:${port}`;
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'test-key-1', alg: 'RS256', use: 'sig' };
  const account = (clientId: string, roles: readonly string[]): ServiceAccount => ({ clientId, clientSecret: randomBytes(16).toString('hex'), roles });
  const serviceAccounts = {
    classifier: account('svc-classifier', ['read', 'classify']),
    reader: account('svc-reader', ['read']),
    nobody: account('svc-nobody', []),
  };
  const rolesOf = (id: string | undefined): readonly string[] =>
    (id ? directory[id] : undefined) ?? Object.values(serviceAccounts).find((a) => a.clientId === id)?.roles ?? [];
  const viewerOrigin = options.viewerOrigin;

  const provider = new Provider(issuer, {
    clients: [
      ...(viewerOrigin
        ? [
            {
              client_id: viewerClientId,
              token_endpoint_auth_method: 'none',
              application_type: 'web',
              redirect_uris: [`${viewerOrigin}/callback`],
              post_logout_redirect_uris: [`${viewerOrigin}/logout-redirect`],
              grant_types: ['authorization_code', 'refresh_token'],
              response_types: ['code'],
            },
          ]
        : []),
      ...Object.values(serviceAccounts).map((a) => ({
        client_id: a.clientId,
        client_secret: a.clientSecret,
        grant_types: ['client_credentials'],
        redirect_uris: [],
        response_types: [],
      })),
    ],
    jwks: { keys: [jwk] },
    findAccount: async (_ctx, id) => ({ accountId: id, claims: async () => ({ sub: id, preferred_username: id }) }),
    features: {
      devInteractions: { enabled: true },
      clientCredentials: { enabled: true },
      revocation: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => oidcAudience,
        useGrantedResource: () => true,
        getResourceServerInfo: () => ({
          scope: 'openid profile offline_access',
          audience: oidcAudience,
          accessTokenFormat: 'jwt',
          accessTokenTTL: options.accessTokenTtlSeconds ?? 300,
          jwt: { sign: { alg: 'RS256' } },
        }),
      },
    },
    extraTokenClaims: async (_ctx, token) => {
      const id = token.accountId ?? token.clientId;
      return { roles: [...rolesOf(id)] };
    },
    pkce: { required: () => true },
    // A browser on 127.0.0.1 over plain HTTP: the provider's cookies must not need Secure.
    cookies: { keys: [randomBytes(16).toString('hex')] },
    issueRefreshToken: async () => true,
  });
  provider.proxy = false;
  if (viewerOrigin) {
    // OHIF returns to the page the user logged out from; Keycloak's "Valid post logout redirect URIs:
    // <origin>/*" allows that, oidc-provider only exact URIs, so the test provider widens it the same way.
    const allowed = provider.Client.prototype.postLogoutRedirectUriAllowed;
    provider.Client.prototype.postLogoutRedirectUriAllowed = function (this: unknown, value: string) {
      return value.startsWith(`${viewerOrigin}/`) || allowed.call(this, value);
    };
  }
  const server: Server = provider.listen(port);
  await new Promise<void>((resolveListening) => server.once('listening', () => resolveListening()));

  return {
    issuer,
    serviceAccounts,
    async clientCredentialsToken(a) {
      const response = await fetch(`${issuer}/token`, {
        method: 'POST',
        headers: {
          'Content-Type': 'application/x-www-form-urlencoded',
          Authorization: `Basic ${Buffer.from(`${a.clientId}:${a.clientSecret}`).toString('base64')}`,
        },
        body: new URLSearchParams({ grant_type: 'client_credentials', resource: oidcAudience, scope: 'openid' }).toString(),
      });
      const body = (await response.json()) as { access_token?: string; error?: string; error_description?: string };
      if (!body.access_token) throw new Error(`client credentials for ${a.clientId}: ${response.status} ${body.error} ${body.error_description}`);
      return body.access_token;
    },
    async stop() {
      await new Promise<void>((resolveClosed) => server.close(() => resolveClosed()));
      server.closeAllConnections?.();
    },
  };
}
