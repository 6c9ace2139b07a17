import { Hono } from 'hono';
import type { SidecarMetrics } from '../../service/metrics.ts';

/** `GET /metrics`: Prometheus text exposition, public like most scrape targets (it holds no PHI). */
export function metricsRoutes(options: { metrics: SidecarMetrics }) {
  const { registry } = options.metrics;
  return new Hono().get('/', async (c) => c.body(await registry.metrics(), 200, { 'Content-Type': registry.contentType }));
}
