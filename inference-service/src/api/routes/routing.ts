import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { requireRole } from '../../access/authenticate.ts';
import { roles } from '../../access/principal.ts';
import type { ResultRouter } from '../../routing/resultRouter.ts';
import { ApiError, apiErrorCodes } from '../errors.ts';
import { commonErrors, errorResponse, jsonResponse, tokenSecurity } from '../responseSchemas.ts';
import { validationFailed } from '../schemas.ts';

const uid = z.string();

const deliverySchema = z.object({
  destination: z.string(),
  state: z.enum(['pending', 'failed']),
  object: z.object({ SOPInstanceUID: uid, SeriesInstanceUID: uid }),
  image: z.object({ StudyInstanceUID: uid, SeriesInstanceUID: uid, SOPInstanceUID: uid }),
  attempts: z.number().int(),
  queuedAt: z.string().datetime(),
  reason: z.string().optional().openapi({ description: 'not-in-orthanc, orthanc-unavailable, refused, unreachable, timeout, http-4xx, http-5xx, bad-answer' }),
  message: z.string().optional(),
  lastFailedAt: z.string().datetime().optional(),
  nextAttemptAt: z.string().datetime().optional().openapi({ description: 'Absent for a failed delivery: it waits for POST /api/routing/retry.' }),
  awaitingStore: z.literal(true).optional().openapi({ description: 'Kept before its object was stored and not yet known stored: sent if Orthanc has the object, else forgotten (whoever stores it routes it).' }),
});

const listingSchema = z.object({
  destinations: z.array(z.object({ name: z.string(), type: z.enum(['dicom', 'stow-rs']) })).openapi({ description: 'Names and kinds only: never URLs with credentials, never passwords.' }),
  pending: z.array(deliverySchema),
  failed: z.array(deliverySchema),
});

const listRoute = createRoute({
  method: 'get',
  path: '/',
  summary: "Result objects not yet at the site's destinations (CXR_ROUTING_FILE): pending (retried with backoff) and failed (the destination kept failing)",
  security: tokenSecurity,
  responses: { 200: jsonResponse('Oldest first.', listingSchema), ...commonErrors },
});

const retryRoute = createRoute({
  method: 'post',
  path: '/retry',
  summary: 'Send the failed deliveries again now, all of them or those of one destination',
  security: tokenSecurity,
  request: { query: z.object({ destination: z.string().max(64).optional().openapi({ description: 'Only this destination’s failed deliveries.' }) }) },
  responses: {
    200: jsonResponse('How many arrived, and how many are still not delivered.', z.object({ delivered: z.number().int(), stillUndelivered: z.number().int() })),
    400: errorResponse('No destination has that name.'),
    ...commonErrors,
  },
});

/**
 * `/api/routing`: the result objects not yet at the site's destinations. `GET` lists the destinations
 * (names and kinds, never their credentials) and the deliveries, pending (retried with backoff) and failed
 * (the destination kept failing); `POST /retry[?destination=name]` sends the failed ones again now.
 * Operators only (the administer role): the listing names patients' images.
 */
export function routingRoutes(options: { router: ResultRouter }) {
  const { router } = options;
  const app = new OpenAPIHono({ defaultHook: validationFailed });
  app.use('*', requireRole(roles.administer));
  return app
    .openapi(listRoute, (c) => {
      const deliveries = router.list();
      return c.json({ destinations: router.destinations, pending: deliveries.filter((d) => d.state === 'pending'), failed: deliveries.filter((d) => d.state === 'failed') }, 200);
    })
    .openapi(retryRoute, async (c) => {
      const { destination } = c.req.valid('query');
      if (destination !== undefined && !router.destinations.some((d) => d.name === destination)) {
        throw new ApiError(400, apiErrorCodes.invalidRequest, `query 'destination': no destination is named '${destination}'`);
      }
      return c.json(await router.retryFailed(destination), 200);
    });
}
