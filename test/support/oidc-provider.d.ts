/** The part of npm `oidc-provider` (untyped JavaScript) the test provider uses. */
declare module 'oidc-provider' {
  import type { Server } from 'node:http';

  interface IssuedToken {
    readonly clientId?: string;
    readonly accountId?: string;
  }

  export interface ProviderConfiguration {
    readonly clients: readonly Record<string, unknown>[];
    readonly jwks: { readonly keys: readonly Record<string, unknown>[] };
    readonly findAccount: (ctx: unknown, id: string) => Promise<{ accountId: string; claims: () => Promise<Record<string, unknown>> }>;
    readonly features: Record<string, unknown>;
    readonly extraTokenClaims: (ctx: unknown, token: IssuedToken) => Promise<Record<string, unknown>>;
    readonly pkce: { readonly required: () => boolean };
    readonly cookies: { readonly keys: readonly string[] };
    readonly issueRefreshToken: () => Promise<boolean>;
  }

  export default class Provider {
    constructor(issuer: string, configuration: ProviderConfiguration);
    proxy: boolean;
    readonly Client: { prototype: { postLogoutRedirectUriAllowed(this: unknown, value: string): boolean } };
    listen(port: number): Server;
  }
}
