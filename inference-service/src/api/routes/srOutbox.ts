import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { requireRole } from '../../access/authenticate.ts';
import { roles } from '../../access/principal.ts';
import type { SrOutbox } from '../../service/srOutbox.ts';
import { commonErrors, jsonResponse, srOutboxListingSchema, srOutboxRetrySchema, tokenSecurity } from '../responseSchemas.ts';
import { validationFailed } from '../schemas.ts';

const listRoute = createRoute({
  method: 'get',
  path: '/',
  summary: 'Findings SRs Orthanc has not stored yet: pending (retried with backoff) and failed (kept refusing)',
  security: tokenSecurity,
  responses: { 200: jsonResponse('Oldest first.', srOutboxListingSchema), ...commonErrors },
});

const retryRoute = createRoute({
  method: 'post',
  path: '/retry',
  summary: 'Try the failed SRs again now',
  security: tokenSecurity,
  responses: { 200: jsonResponse('How many were stored, and how many are still not.', srOutboxRetrySchema), ...commonErrors },
});

/**
 * `/api/sr-outbox`: the findings SRs Orthanc has not stored yet. `GET` lists them, pending (retried with
 * backoff) and failed (Orthanc kept refusing); `POST /retry` tries the failed ones again now. Operators
 * only (the administer role, the API token among them): the listing names patients' images.
 */
export function srOutboxRoutes(options: { outbox: SrOutbox }) {
  const { outbox } = options;
  const app = new OpenAPIHono({ defaultHook: validationFailed });
  app.use('*', requireRole(roles.administer));
  return app
    .openapi(listRoute, (c) => {
      const entries = outbox.list();
      return c.json({ pending: entries.filter((e) => e.state === 'pending'), failed: entries.filter((e) => e.state === 'failed') }, 200);
    })
    .openapi(retryRoute, async (c) => c.json(await outbox.retryFailed(), 200));
}
