import { buildDenseNetOnnx } from './buildDenseNetOnnx.ts';
import { createDemoWeights } from './demoWeights.ts';
import { demoWarning } from './modelCard.ts';
import type { ModelCard } from './modelCard.ts';

/** Fixed so every machine builds the byte-identical demo model (same SHA-256 in every SR it signs). */
export const demoModelSeed = 121;

/**
 * The demo model: the upstream card's full DenseNet-121 topology, labels and thresholds with seeded weights,
 * labelled unmistakably (`kind: "demo"`, a name saying DEMO, `warning: demoWarning`).
 */
export function buildDemoModel(upstream: ModelCard): { card: ModelCard; onnxBytes: Uint8Array } {
  const weights = createDemoWeights(upstream.architecture, upstream.labels.length, demoModelSeed, upstream.operatingThresholds);
  const onnxBytes = buildDenseNetOnnx(weights, upstream.architecture, upstream.labels.length, upstream.input.resolution);
  const card: ModelCard = {
    id: `${upstream.id}-demo`,
    kind: 'demo',
    name: 'DEMO MODEL — DenseNet-121 topology with seeded random weights (not TorchXRayVision)',
    architecture: upstream.architecture,
    input: upstream.input,
    labels: upstream.labels,
    operatingThresholds: upstream.operatingThresholds,
    warning: demoWarning,
    source: `Built by the set-up from ${upstream.id}'s card with createDemoWeights(seed ${demoModelSeed}); no trained weights`,
  };
  return { card, onnxBytes };
}
