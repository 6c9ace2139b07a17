/**
 * Who is asking, and what they may do. Every route that touches patient data names the role it needs;
 * the credential (API token, local login, OpenID Connect access token) only decides the principal.
 */

export const roles = Object.freeze({
  /** See images and reports: the study list, metadata, pixels, the model card. */
  read: 'read',
  /** Ask for a classification (which writes an SR). */
  classify: 'classify',
  /** Store images through the viewer (STOW-RS), when that is turned on at all. */
  store: 'store',
  /** Operate the service: metrics, model changes, backfills. */
  administer: 'administer',
} as const);

export type Role = (typeof roles)[keyof typeof roles];

export const allRoles: readonly Role[] = Object.freeze(Object.values(roles));

export function isRole(value: string): value is Role {
  return (allRoles as readonly string[]).includes(value);
}

export type CredentialKind = 'api-token' | 'local-session' | 'oidc';

export interface Principal {
  /** A stable user (or service) identity for the audit log: never a patient's name. */
  readonly subject: string;
  readonly roles: ReadonlySet<Role>;
  readonly credential: CredentialKind;
}

declare module 'hono' {
  interface ContextVariableMap {
    /** Set by `authenticate` when the request carried a valid credential. */
    principal: Principal;
  }
}

/** The API token is the machine's own key (the CLI, the Lua hook, scripts): it may do everything. */
export const apiTokenPrincipal: Principal = Object.freeze({ subject: 'api-token', roles: new Set(allRoles), credential: 'api-token' });
