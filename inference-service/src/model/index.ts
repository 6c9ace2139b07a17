/** The model: card, DenseNet ONNX builder, demo weights, the runtime session and the active model on disk. */
export { activeCardPath, demoWarning, modelCardSchema, modelKinds, modelsDir, readModelCard, upstreamCardPath } from './modelCard.ts';
export type { ModelCard, ModelKind } from './modelCard.ts';
export { denseNetLayout, denseNetTensorShapes, featureMapSide, validateDenseNetWeights } from './denseNetLayout.ts';
export type { DenseNetArchitecture, DenseNetLayout, WeightMap, WeightTensor } from './denseNetLayout.ts';
export { batchDim, buildDenseNetOnnx, denseNetOnnxNames } from './buildDenseNetOnnx.ts';
export { createDemoWeights } from './demoWeights.ts';
export { buildDemoModel, demoModelCard, demoModelSeed, isStaleDemo } from './demoModel.ts';
export { calibratedProbabilities, opNorm, sigmoid } from './opNorm.ts';
export { defaultIntraOpThreads, FindingsModel } from './findingsModel.ts';
export type { FeatureMaps, FindingsModelOptions, FindingsOutput } from './findingsModel.ts';
export { modelLayouts } from './modelLayout.ts';
export type { ModelLayout } from './modelLayout.ts';
export { activateModel, loadActiveModel, sha256Hex } from './activeModel.ts';
export type { ActiveModel } from './activeModel.ts';
