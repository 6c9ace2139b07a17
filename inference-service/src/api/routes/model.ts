import { Hono } from 'hono';
import { requireRole } from '../../access/authenticate.ts';
import { roles } from '../../access/principal.ts';
import type { ModelCard } from '../../model/modelCard.ts';

/** `GET /api/model`: the active model's card (kind, labels, thresholds, hashes, warning). */
export function modelRoutes(options: { card: ModelCard }) {
  return new Hono().get('/', requireRole(roles.read), (c) => c.json(options.card));
}
