import { Hono } from 'hono';
import { requireRole } from '../../access/authenticate.ts';
import { roles } from '../../access/principal.ts';
import type { SidecarMetrics } from '../../service/metrics.ts';

/**
 * `GET /metrics`: Prometheus text exposition. It holds no PHI, but request counts by route and errors
 * by kind say how the service is used: operators only (Prometheus sends `authorization: Bearer`).
 */
export function metricsRoutes(options: { metrics: SidecarMetrics }) {
  const { registry } = options.metrics;
  return new Hono().get('/', requireRole(roles.administer), async (c) => c.body(await registry.metrics(), 200, { 'Content-Type': registry.contentType }));
}
