import { Hono } from 'hono';
import { requireRole } from '../../access/authenticate.ts';
import { roles } from '../../access/principal.ts';
import type { SrOutbox } from '../../service/srOutbox.ts';

/**
 * `/api/sr-outbox`: the findings SRs Orthanc has not stored yet. `GET` lists them, pending (retried with
 * backoff) and failed (Orthanc kept refusing); `POST /retry` tries the failed ones again now. Operators
 * only (the administer role, the API token among them): the listing names patients' images.
 */
export function srOutboxRoutes(options: { outbox: SrOutbox }) {
  const { outbox } = options;
  return new Hono()
    .use('*', requireRole(roles.administer))
    .get('/', (c) => {
      const entries = outbox.list();
      return c.json({
        pending: entries.filter((e) => e.state === 'pending'),
        failed: entries.filter((e) => e.state === 'failed'),
      });
    })
    .post('/retry', async (c) => c.json(await outbox.retryFailed()));
}
