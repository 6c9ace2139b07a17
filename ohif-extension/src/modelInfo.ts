import { sidecarRoute } from './config.ts';
import { authorizationHeaders } from './sidecarAuthorization.ts';
import { isModelKind, type ModelKind } from './findings/imageFindings.ts';

export interface ModelCardSummary {
  readonly name: string;
  readonly kind: ModelKind;
  readonly warning?: string;
}

let card: Promise<ModelCardSummary | undefined> | undefined;
const lookupTimeoutMs = 5000;

/**
 * The active model's card (`GET /api/model`), asked once per page: its name for the panel, and its
 * kind so that every notification, even the first "classifying…", says when the model is a demo.
 */
export function activeModelCard(fetchImpl: typeof fetch = fetch): Promise<ModelCardSummary | undefined> {
  // Bounded: the first click waits for it, and a sidecar that does not answer must not hold the click.
  card ??= fetchImpl(sidecarRoute('/api/model'), { credentials: 'include', headers: { Accept: 'application/json', ...authorizationHeaders() }, signal: AbortSignal.timeout(lookupTimeoutMs) })
    .then(async (response) => {
      if (!response.ok) return undefined;
      const body: unknown = await response.json();
      if (typeof body !== 'object' || body === null) return undefined;
      const { name, kind, warning } = body as Record<string, unknown>;
      if (typeof name !== 'string' || !isModelKind(kind)) return undefined;
      return { name, kind, ...(typeof warning === 'string' ? { warning } : {}) };
    })
    .catch(() => undefined)
    .then((summary) => {
      // A failed look-up is asked again next time rather than remembered.
      if (!summary) card = undefined;
      return summary;
    });
  return card;
}
