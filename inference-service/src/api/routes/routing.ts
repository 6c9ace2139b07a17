import { Hono } from 'hono';
import { requireRole } from '../../access/authenticate.ts';
import { roles } from '../../access/principal.ts';
import type { ResultRouter } from '../../routing/resultRouter.ts';
import { ApiError, apiErrorCodes } from '../errors.ts';

/**
 * `/api/routing`: the result objects not yet at the site's destinations. `GET` lists the destinations
 * (names and kinds, never their credentials) and the deliveries, pending (retried with backoff) and failed
 * (the destination kept failing); `POST /retry[?destination=name]` sends the failed ones again now.
 * Operators only (the administer role): the listing names patients' images.
 */
export function routingRoutes(options: { router: ResultRouter }) {
  const { router } = options;
  return new Hono()
    .use('*', requireRole(roles.administer))
    .get('/', (c) => {
      const deliveries = router.list();
      return c.json({
        destinations: router.destinations,
        pending: deliveries.filter((d) => d.state === 'pending'),
        failed: deliveries.filter((d) => d.state === 'failed'),
      });
    })
    .post('/retry', async (c) => {
      const destination = c.req.query('destination');
      if (destination !== undefined && !router.destinations.some((d) => d.name === destination)) {
        throw new ApiError(400, apiErrorCodes.invalidRequest, `query 'destination': no destination is named '${destination.slice(0, 64)}'`);
      }
      return c.json(await router.retryFailed(destination));
    });
}
