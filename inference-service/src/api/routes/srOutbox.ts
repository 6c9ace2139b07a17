import { Hono } from 'hono';
import type { SrOutbox } from '../../service/srOutbox.ts';
import { requireAuth } from '../auth.ts';

/**
 * `/api/sr-outbox`: the findings SRs Orthanc has not stored yet. `GET` lists them, pending (retried with
 * backoff) and failed (Orthanc kept refusing); `POST /retry` tries the failed ones again now. Token only:
 * the listing names patients' images.
 */
export function srOutboxRoutes(options: { outbox: SrOutbox; apiToken: string }) {
  const { outbox } = options;
  return new Hono()
    .use('*', requireAuth(options.apiToken))
    .get('/', (c) => {
      const entries = outbox.list();
      return c.json({
        pending: entries.filter((e) => e.state === 'pending'),
        failed: entries.filter((e) => e.state === 'failed'),
      });
    })
    .post('/retry', async (c) => c.json(await outbox.retryFailed()));
}
