/**
 * Makes sure the product has an active model: when `models/active.json` is absent, builds the labelled DEMO
 * model (DenseNet-121 topology, seeded weights) into `models/` and activates it. Real weights replace it through
 * `cxr-findings model import`, which calls `activateModel`.
 */
import { existsSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { resolve } from 'node:path';
import {
  activateModel,
  buildDemoModel,
  isStaleDemo,
  loadActiveModel,
  modelsDir,
  readModelCard,
  upstreamCardPath,
} from '../../inference-service/src/model/index.ts';
import type { ActiveModel } from '../../inference-service/src/model/index.ts';

export { activateModel };

/** Returns the active model of `dir` (the project's `models/`), building and activating the demo model if there is none. */
export async function ensureActiveModel(dir = modelsDir): Promise<ActiveModel> {
  const activeCardPath = resolve(dir, 'active.json');
  if (existsSync(activeCardPath)) {
    try {
      const active = await loadActiveModel(dir);
      if (!isStaleDemo(active.card, await readModelCard(upstreamCardPath))) return active;
      console.log('setup: the demo model was built from another card or recipe; rebuilding it');
    } catch (error) {
      // A broken demo model is rebuilt; a broken real model is the user's to re-import, never silently replaced.
      const card = await readModelCard(activeCardPath).catch(() => undefined);
      if (card && card.kind !== 'demo') throw error;
      console.warn(`setup: the active demo model is unusable (${(error as Error).message}); rebuilding it`);
    }
  }
  const t0 = performance.now();
  const { card, onnxBytes } = buildDemoModel(await readModelCard(upstreamCardPath));
  const active = await activateModel(card, onnxBytes, dir);
  console.log(
    `setup: built the DEMO model ${active.onnxPath} (${(onnxBytes.length / 1e6).toFixed(1)} MB) in ` +
      `${Math.round(performance.now() - t0)} ms — seeded weights, not clinically meaningful`,
  );
  return active;
}
