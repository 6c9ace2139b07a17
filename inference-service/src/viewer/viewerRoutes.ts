import { readFile } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { serveStatic } from '@hono/node-server/serve-static';
import type { Context, MiddlewareHandler } from 'hono';
import { Hono } from 'hono';
import { apiErrorCodes, errorBody } from '../api/errors.ts';
import { type ViewerAppConfigOptions, viewerAppConfigScript, viewerPaths } from './appConfig.ts';
import { type OrthancTarget, orthancProxy } from './orthancProxy.ts';

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
  readonly orthanc: OrthancTarget;
  /** Called whenever the page itself (index.html) is served: the sidecar issues its session cookie here. */
  readonly onIndexHtml?: (c: Context) => void;
  /** Runs before the Orthanc proxy, e.g. to require the viewer's session. */
  readonly proxyGuard?: MiddlewareHandler;
  readonly appConfig?: ViewerAppConfigOptions;
}

/** Paths the single-page fallback must leave alone: they belong to the API. */
const notPagePrefixes = ['/api/', '/metrics'] as const;

/** OHIF's bundles carry a content hash in their names (`app.bundle.0f6159c501addfe9.js`): cache them for good. */
const contentHashedName = /[.-][0-9a-f]{16,}\.(?:js|css|wasm|woff2?)$|^[0-9a-f]{16,}\.(?:wasm|woff2?)$/;

const javascript = 'text/javascript; charset=utf-8';

function isPageRequest(path: string): boolean {
  if (notPagePrefixes.some((prefix) => path === prefix.replace(/\/$/, '') || path.startsWith(prefix))) return false;
  // A missing `x.js` must stay a 404, not turn into HTML the browser then fails to parse as a script.
  return extname(path) === '';
}

export function viewerRoutes(options: ViewerRoutesOptions): Hono {
  const indexHtmlPath = join(options.viewerDir, 'index.html');
  const configScript = viewerAppConfigScript(options.appConfig);
  const proxy = orthancProxy(options.orthanc);
  const guard: MiddlewareHandler = options.proxyGuard ?? (async (_c, next) => next());

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
    options.onIndexHtml?.(c);
    c.header('Cache-Control', 'no-cache');
    return c.html(html);
  };

  return (
    new Hono()
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
      // DICOMweb (QIDO, WADO-RS, STOW-RS for the viewer's upload) and WADO-URI.
      .on(['GET', 'HEAD', 'POST'], `${viewerPaths.dicomWeb}/*`, guard, proxy)
      .on(['GET', 'HEAD'], viewerPaths.wado, guard, proxy)
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
