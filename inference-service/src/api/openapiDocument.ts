import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { BlankEnv } from 'hono/types';
import { apiPaths } from '../config/defaults.ts';
import { jsonResponse } from './responseSchemas.ts';

const documentRoute = createRoute({
  method: 'get',
  path: apiPaths.openapi,
  summary: 'This document',
  security: [],
  responses: { 200: jsonResponse('OpenAPI 3.1.', z.record(z.string(), z.unknown())) },
});

/**
 * Serves the OpenAPI 3.1 document of `app` at /api/openapi.json: paths, request bodies and answers come
 * from the routes' declarations (createRoute, responseSchemas.ts); this adds what no route says.
 */
export function serveOpenApiDocument(app: OpenAPIHono<BlankEnv>, version: string): void {
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer' });
  app.openAPIRegistry.registerComponent('securitySchemes', 'viewerSession', { type: 'apiKey', in: 'cookie', name: 'cxr_session' });
  let document: Record<string, unknown> | undefined;
  app.openapi(documentRoute, (c) => {
    // Built once, at the first request: every route is registered by then.
    document ??= app.getOpenAPI31Document({
      openapi: '3.1.0',
      info: {
        title: 'CXR Findings sidecar',
        version,
        description:
          'Chest X-ray findings (TorchXRayVision DenseNet-121) for images in Orthanc, stored as DICOM Structured Reports. ' +
          'Every error is `{ "error": { "code", "message" } }`. /api/health (status only) and this document are public; the rest needs ' +
          "`Authorization: Bearer <token>` (the API token, or an OpenID Connect access token with the route's role: read, classify, administer) " +
          'or the session cookie of a login to the viewer.',
      },
    }) as unknown as Record<string, unknown>;
    return c.json(document, 200);
  });
}
