import { isDeepStrictEqual } from 'node:util';
import { buildDenseNetOnnx, denseNetGraphVersion } from './buildDenseNetOnnx.ts';
import { createDemoWeights } from './demoWeights.ts';
import { demoWarning } from './modelCard.ts';
import type { ModelCard } from './modelCard.ts';

/** Fixed so every machine builds the byte-identical demo model (same SHA-256 in every SR it signs). */
export const demoModelSeed = 121;
/** Bump when createDemoWeights changes, so set-up rebuilds demo models made by the old recipe (or graph). */
const demoRecipe = `createDemoWeights v1, DenseNet graph v${denseNetGraphVersion}`;

/**
 * The demo model's card: the upstream card's full DenseNet-121 topology, labels and thresholds, labelled
 * unmistakably (`kind: "demo"`, a name saying DEMO, `warning: demoWarning`) and without upstream's weights entry.
 */
export function demoModelCard(upstream: ModelCard): ModelCard {
  return {
    id: `${upstream.id}-demo`,
    kind: 'demo',
    name: 'DEMO MODEL - DenseNet-121 topology with seeded random weights (not TorchXRayVision)',
    architecture: upstream.architecture,
    input: upstream.input,
    labels: upstream.labels,
    operatingThresholds: upstream.operatingThresholds,
    warning: demoWarning,
    source: `Built by the set-up from ${upstream.id}'s card with ${demoRecipe}, seed ${demoModelSeed}; no trained weights`,
  };
}

/** The demo model, card and ONNX bytes (~28 MB, built in well under a second). */
export function buildDemoModel(upstream: ModelCard): { card: ModelCard; onnxBytes: Uint8Array } {
  const weights = createDemoWeights(upstream.architecture, upstream.labels.length, demoModelSeed, upstream.operatingThresholds);
  const onnxBytes = buildDenseNetOnnx(weights, upstream.architecture, upstream.labels.length, upstream.input.resolution);
  return { card: demoModelCard(upstream), onnxBytes };
}

/** True when an active demo card no longer matches what the current upstream card and recipe would build. */
export function isStaleDemo(active: ModelCard, upstream: ModelCard): boolean {
  if (active.kind !== 'demo') return false;
  const { onnx: _onnx, createdAt: _createdAt, ...rest } = active;
  return !isDeepStrictEqual(rest, demoModelCard(upstream));
}
