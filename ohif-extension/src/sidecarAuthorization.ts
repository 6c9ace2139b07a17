import type { OhifServices } from './ohifTypes.ts';

/**
 * The user's credential for the sidecar's API. After a local login the session cookie goes along by
 * itself; with OpenID Connect, OHIF holds the access token and hands it out as a header
 * (`userAuthenticationService.getAuthorizationHeader()`, what its DICOMweb requests carry too).
 */
let services: OhifServices | undefined;

export function useServicesForAuthorization(current: OhifServices | undefined): void {
  services = current;
}

/** `{ Authorization: 'Bearer …' }` when OHIF has a logged-in user, otherwise nothing. */
export function authorizationHeaders(): Record<string, string> {
  const authorization = services?.userAuthenticationService?.getAuthorizationHeader()?.Authorization;
  return authorization ? { Authorization: authorization } : {};
}
