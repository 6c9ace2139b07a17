import { createRoute, OpenAPIHono } from '@hono/zod-openapi';
import { requireRole } from '../../access/authenticate.ts';
import { roles } from '../../access/principal.ts';
import { modelCardSchema, type ModelCard } from '../../model/modelCard.ts';
import { commonErrors, jsonResponse, userSecurity } from '../responseSchemas.ts';

const modelRoute = createRoute({
  method: 'get',
  path: '/',
  summary: 'The active model card',
  security: userSecurity,
  middleware: [requireRole(roles.read)] as const,
  responses: { 200: jsonResponse('The card (the schema of models/*.card.json).', modelCardSchema), ...commonErrors },
});

/** `GET /api/model`: the active model's card (kind, labels, thresholds, hashes, warning). */
export function modelRoutes(options: { card: ModelCard }) {
  return new OpenAPIHono().openapi(modelRoute, (c) => c.json(options.card, 200));
}
