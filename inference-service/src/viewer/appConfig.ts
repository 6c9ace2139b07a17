/**
 * The OHIF app-config the sidecar serves at `/app-config.js`, generated so that the viewer talks only
 * to this origin: DICOMweb goes through the sidecar's proxy (Orthanc has no CORS and its password
 * stays on the server), and our extension is loaded at run time by URL.
 */

import type { OidcSettings } from '../config/config.ts';

/** Paths the generated config and the routes agree on. */
export const viewerPaths = {
  appConfig: '/app-config.js',
  extension: '/ext/cxr-findings.mjs',
  dicomWeb: '/dicom-web',
  wado: '/wado',
} as const;

/**
 * Names of the data source. OHIF caches study metadata under `${configuration.name}:${StudyInstanceUID}`;
 * the extension reads the name back from the data source to clear that entry after a classification.
 */
export const viewerDataSource = {
  sourceName: 'orthanc',
  friendlyName: 'Orthanc (through CXR Findings)',
} as const;

/**
 * The extension's findings panel (`<extension id>.panelModule.<name>`, ohif-extension/src/constants.ts)
 * and the mode whose right panels it joins. A mode-phase customization: OHIF layers it over the
 * mode's own panel list, so the measurement and segmentation panels stay.
 */
export const findingsPanel = {
  id: '@cxr-findings/ohif-extension.panelModule.findings',
  mode: '@ohif/mode-longitudinal',
} as const;

export interface ViewerAppConfigOptions {
  /** Name shown in the viewer's header and window title. */
  readonly friendlyName?: string;
  /** OpenID Connect: OHIF logs the user in itself (authorization code + PKCE) and sends the access token. */
  readonly oidc?: Pick<OidcSettings, 'issuer' | 'clientId' | 'scope'> & { readonly resource?: string };
}

/**
 * OHIF's `oidc` app-config (oidc-client-ts UserManager settings): code flow with PKCE, silent renewal
 * with the refresh token, logout at the provider. Relative URIs are resolved by OHIF against its own origin.
 */
function oidcAppConfig(oidc: NonNullable<ViewerAppConfigOptions['oidc']>): Record<string, unknown>[] {
  return [
    {
      authority: oidc.issuer,
      client_id: oidc.clientId,
      redirect_uri: '/callback',
      response_type: 'code',
      scope: oidc.scope,
      // Not '/': OHIF mounts its sign-out callback on this path, which would take the study list's place.
      post_logout_redirect_uri: '/logout-redirect',
      automaticSilentRenew: true,
      // OHIF revokes by default, but a JWT access token (RFC 9068) cannot be revoked (oidc-provider answers
      // 400 and OHIF's logout stops there): it ends at its short exp, the session at the provider's logout.
      revokeAccessTokenOnSignout: false,
      ...(oidc.resource ? { extraQueryParams: { resource: oidc.resource } } : {}),
    },
  ];
}

/** The `window.config` object for @ohif/app 3.13 (only plain data: it is serialised as JSON). */
export function viewerAppConfig(options: ViewerAppConfigOptions = {}): Record<string, unknown> {
  return {
    name: 'cxr-findings',
    routerBasename: '/',
    ...(options.oidc ? { oidc: oidcAppConfig(options.oidc) } : {}),
    // Not an `@ohif/*` name, so the app loads it with a native dynamic import() of this same-origin URL.
    extensions: [viewerPaths.extension],
    modes: [],
    showStudyList: true,
    maxNumberOfWebWorkers: 2,
    showWarningMessageForCrossOrigin: false,
    showCPUFallbackMessage: true,
    showLoadingIndicator: true,
    strictZSpacingForVolumeViewport: true,
    groupEnabledModesFirst: true,
    // OHIF's "investigational use" notice, once per session; the extension puts the product's own
    // words in it. The onboarding tour would cover the toolbar on first load.
    investigationalUseDialog: { option: 'always' },
    // The extension's configuration: the prebuilt viewer loads extensions by URL, so it cannot be
    // given as an [extension, configuration] pair. '' is this origin (the sidecar serves the API too).
    cxrFindings: { sidecarUrl: '' },
    customizationService: {
      global: { 'ohif.tours': { $set: [] } },
      mode: { [findingsPanel.mode]: { rightPanels: { $unshift: [findingsPanel.id] } } },
    },
    defaultDataSourceName: viewerDataSource.sourceName,
    dataSources: [
      {
        namespace: '@ohif/extension-default.dataSourcesModule.dicomweb',
        sourceName: viewerDataSource.sourceName,
        configuration: {
          friendlyName: options.friendlyName ?? viewerDataSource.friendlyName,
          name: viewerDataSource.sourceName,
          qidoRoot: viewerPaths.dicomWeb,
          wadoRoot: viewerPaths.dicomWeb,
          wadoUriRoot: viewerPaths.wado,
          imageRendering: 'wadors',
          thumbnailRendering: 'wadors',
          // Orthanc's DICOMweb plugin ignores includefield on QIDO and rejects quoted multipart types.
          qidoSupportsIncludeField: false,
          omitQuotationForMultipartRequest: true,
          enableStudyLazyLoad: true,
          supportsFuzzyMatching: false,
          supportsWildcard: true,
          staticWado: false,
          singlepart: 'bulkdata,video',
          bulkDataURI: { enabled: true, relativeResolution: 'studies' },
        },
      },
    ],
  };
}

/** The script body: OHIF's index.html loads it before its bundles. */
export function viewerAppConfigScript(options: ViewerAppConfigOptions = {}): string {
  return `/** Generated by the CXR Findings sidecar. */\nwindow.config = ${JSON.stringify(viewerAppConfig(options), null, 2)};\n`;
}
