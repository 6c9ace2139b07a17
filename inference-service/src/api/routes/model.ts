import { Hono } from 'hono';
import type { ModelCard } from '../../model/modelCard.ts';
import { requireAuth } from '../auth.ts';

/** `GET /api/model`: the active model's card (kind, labels, thresholds, hashes, warning). */
export function modelRoutes(options: { card: ModelCard; apiToken: string }) {
  return new Hono().get('/', requireAuth(options.apiToken, { allowViewerSession: true }), (c) => c.json(options.card));
}
