import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { requireRole } from '../../access/authenticate.ts';
import { roles } from '../../access/principal.ts';
import type { SidecarMetrics } from '../../service/metrics.ts';
import { commonErrors, tokenSecurity } from '../responseSchemas.ts';

const metricsRoute = createRoute({
  method: 'get',
  path: '/',
  summary: 'Prometheus metrics (administer role)',
  security: tokenSecurity,
  middleware: [requireRole(roles.administer)] as const,
  responses: { 200: { description: 'Text exposition format.', content: { 'text/plain': { schema: z.string() } } }, ...commonErrors },
});

/**
 * `GET /metrics`: Prometheus text exposition. It holds no PHI, but request counts by route and errors
 * by kind say how the service is used: operators only (Prometheus sends `authorization: Bearer`).
 */
export function metricsRoutes(options: { metrics: SidecarMetrics }) {
  const { registry } = options.metrics;
  return new OpenAPIHono().openapi(metricsRoute, async (c) => c.text(await registry.metrics(), 200, { 'Content-Type': registry.contentType }));
}
