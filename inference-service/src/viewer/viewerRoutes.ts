import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { serveStatic } from '@hono/node-server/serve-static';
import type { Context, MiddlewareHandler } from 'hono';
import { Hono } from 'hono';
import { principalOf, requireRole } from '../access/authenticate.ts';
import { roles } from '../access/principal.ts';
import { apiErrorCodes, errorBody } from '../api/errors.ts';
import { type AuditAction, type AuditSink, noAudit } from '../audit/auditLog.ts';
import { outcomeOf, requestAuditFields } from '../audit/requestAudit.ts';
import { type ViewerAppConfigOptions, viewerAppConfigScript, viewerPaths } from './appConfig.ts';
import type { DicomWebAction } from './dicomWebAllowList.ts';
import { type OrthancTarget, orthancProxy } from './orthancProxy.ts';
import { viewerContentSecurityPolicy } from './contentSecurityPolicy.ts';

/**
 * The viewer, served by the sidecar: the prebuilt OHIF app at `/` with a single-page fallback, a
 * generated `/app-config.js`, our extension, and a proxy to Orthanc's DICOMweb. Mount it after the API
 * routes: its fallback answers every other GET that looks like a page.
 */

export interface ViewerRoutesOptions {
  /** The unpacked `@ohif/app` `dist/` (see tooling/setup/ohifViewer.ts). */
  readonly viewerDir: string;
  /** The built extension, one ES module (ohif-extension/dist/cxr-findings.mjs). */
  readonly extensionFile: string;
  /** Orthanc and the account the proxy reads with. */
  readonly orthanc: OrthancTarget;
  /**
   * Where a browser without a session is sent; with it, the viewer's own files need a login too.
   * Without it (OpenID Connect: OHIF must load to send the user to the provider) they are public and
   * only the proxy needs a credential.
   */
  readonly loginPath?: string;
  /** STOW-RS through the proxy for principals with the store role; off by default. */
  readonly stow?: boolean;
  readonly audit?: AuditSink;
  readonly appConfig?: ViewerAppConfigOptions;
}

/** What the audit log calls each kind of proxied access. */
const auditActionOf: Record<DicomWebAction, AuditAction> = { search: 'study-list', metadata: 'metadata', retrieve: 'retrieve', store: 'store' };

/** Paths the single-page fallback must leave alone: they belong to the API. */
const notPagePrefixes = ['/api/', '/metrics', `${viewerPaths.dicomWeb}/`, `${viewerPaths.wado}/`] as const;

/** OHIF's bundles carry a content hash in their names (`app.bundle.0f6159c501addfe9.js`): cache them for good. */
const contentHashedName = /[.-][0-9a-f]{16,}\.(?:js|css|wasm|woff2?)$|^[0-9a-f]{16,}\.(?:wasm|woff2?)$/;

const javascript = 'text/javascript; charset=utf-8';

/** The viewer's client-side routes (`/viewer`, `/segmentation/dicomweb`): plain words, no dots. */
const pagePath = /^(?:\/[A-Za-z0-9_-]+)*\/?$/;

function isPageRequest(path: string): boolean {
  if (notPagePrefixes.some((prefix) => path === prefix.replace(/\/$/, '') || path.startsWith(prefix))) return false;
  // A missing `x.js` must stay a 404, not turn into HTML the browser then fails to parse as a script;
  // `/dicom-web../system` is no page either.
  return pagePath.test(path);
}

export function viewerRoutes(options: ViewerRoutesOptions): Hono {
  const indexHtmlPath = join(options.viewerDir, 'index.html');
  const configScript = viewerAppConfigScript(options.appConfig);
  const audit = options.audit ?? noAudit;
  const proxy = orthancProxy({
    target: options.orthanc,
    roots: { dicomWeb: viewerPaths.dicomWeb, wadoUri: viewerPaths.wado },
    mayStore: (c) => options.stow === true && (principalOf(c)?.roles.has(roles.store) ?? false),
    onAnswered: (c, request, status) =>
      audit.record({
        ...requestAuditFields(c),
        action: auditActionOf[request.action],
        outcome: outcomeOf(status),
        status,
        ...(request.StudyInstanceUID ? { StudyInstanceUID: request.StudyInstanceUID } : {}),
        ...(request.SeriesInstanceUID ? { SeriesInstanceUID: request.SeriesInstanceUID } : {}),
        ...(request.SOPInstanceUID ? { SOPInstanceUID: request.SOPInstanceUID } : {}),
        detail: `${c.req.method} ${request.path}`,
      }),
  });
  // The proxy adds Orthanc's credentials: without a reader's credential nothing reaches it.
  const reader = requireRole(roles.read);
  const shellGuard: MiddlewareHandler = options.loginPath ? requireRole(roles.read, { loginPath: options.loginPath }) : async (_c, next) => next();
  const policy = viewerContentSecurityPolicy(indexHtmlPath, options.appConfig?.oidc?.issuer);

  const serveIndexHtml = async (c: Context): Promise<Response> => {
    let html: string;
    try {
      html = await readFile(indexHtmlPath, 'utf8');
    } catch {
      return c.json(
        errorBody(apiErrorCodes.notReady, `The viewer is not installed: ${indexHtmlPath} is missing (run \`npm run setup\`)`),
        503,
      );
    }
    c.header('Cache-Control', 'no-cache');
    return c.html(html);
  };

  return (
    new Hono()
      // DICOMweb (QIDO-RS, WADO-RS; STOW-RS where allowed) and WADO-URI: every method reaches the
      // allow-list, which answers 405 for the ones it does not take.
      .all(`${viewerPaths.dicomWeb}/*`, reader, proxy)
      .all(viewerPaths.wado, reader, proxy)
      .all(`${viewerPaths.wado}/*`, reader, proxy)
      .use('*', shellGuard, async (c, next) => {
        await next();
        if (!c.res.headers.has('Content-Security-Policy')) c.res.headers.set('Content-Security-Policy', await policy(c.req.header('Sec-Fetch-Dest')));
      })
      .get(viewerPaths.appConfig, (c) => {
        c.header('Cache-Control', 'no-cache');
        return c.body(configScript, 200, { 'Content-Type': javascript });
      })
      .get(viewerPaths.extension, async (c) => {
        let code: string;
        try {
          code = await readFile(options.extensionFile, 'utf8');
        } catch {
          return c.json(
            errorBody(apiErrorCodes.notReady, `The viewer extension is not built: ${options.extensionFile} is missing (run \`npm run setup\`)`),
            503,
          );
        }
        c.header('Cache-Control', 'no-cache');
        return c.body(code, 200, { 'Content-Type': javascript });
      })
      .get('/', serveIndexHtml)
      .get('/index.html', serveIndexHtml)
      .get('*', async (c, next) => {
        await next();
        if (c.res.status !== 200 || c.res.headers.has('Cache-Control')) return;
        const name = c.req.path.slice(c.req.path.lastIndexOf('/') + 1);
        c.res.headers.set('Cache-Control', contentHashedName.test(name) ? 'public, max-age=31536000, immutable' : 'no-cache');
      })
      .get('*', serveStatic({ root: options.viewerDir }))
      .get('*', async (c, next) => {
        if (!isPageRequest(c.req.path)) return next();
        return serveIndexHtml(c);
      })
  );
}
