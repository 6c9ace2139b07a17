import { ignoredSuffix, validateDenseNetWeights } from '../model/denseNetLayout.ts';
import type { DenseNetArchitecture, WeightMap } from '../model/denseNetLayout.ts';
import type { StateDict } from './stateDict.ts';

export interface DenseNetWeights {
  readonly weights: WeightMap;
  readonly architecture: DenseNetArchitecture;
  readonly numClasses: number;
}

/**
 * State-dict entries that are not weights of the forward: BatchNorm's step counter, and the operating
 * thresholds newer TorchXRayVision releases register as a buffer (the card holds them).
 */
const notWeights = (name: string): boolean => name.endsWith(`.${ignoredSuffix}`) || name === 'op_threshs';

function shapeOf(weights: WeightMap, name: string, rank: number): readonly number[] {
  const tensor = weights.get(name);
  if (!tensor) {
    const sample = [...weights.keys()].slice(0, 3).join(', ');
    throw new Error(`not this DenseNet: the weights have no '${name}' (they start with ${sample || 'nothing'})`);
  }
  if (tensor.shape.length !== rank) throw new Error(`not this DenseNet: '${name}' has shape [${tensor.shape.join(',')}], expected rank ${rank}`);
  return tensor.shape;
}

/**
 * Reads the architecture off the tensor names and shapes (the file says nothing else about it): init
 * features and input channels from conv0, the block config by counting `denseblockB.denselayerL`, the growth
 * rate from a layer's conv2, bn_size from its conv1, the class count from the classifier. Then the whole
 * state dict is checked against that architecture, so anything else is "not this DenseNet".
 */
export function inferDenseNetArchitecture(weights: WeightMap): { architecture: DenseNetArchitecture; numClasses: number } {
  const [numInitFeatures = 0, inChannels = 0] = shapeOf(weights, 'features.conv0.weight', 4);
  if (inChannels !== 1) throw new Error(`not this DenseNet: conv0 takes ${inChannels} input channels, TorchXRayVision's DenseNet takes 1`);
  const blockConfig: number[] = [];
  for (let b = 1; weights.has(`features.denseblock${b}.denselayer1.conv1.weight`); b++) {
    let layers = 0;
    while (weights.has(`features.denseblock${b}.denselayer${layers + 1}.conv1.weight`)) layers++;
    blockConfig.push(layers);
  }
  if (blockConfig.length === 0) throw new Error("not this DenseNet: the weights have no 'features.denseblock1.denselayer1' layer");
  const [growthRate = 0] = shapeOf(weights, 'features.denseblock1.denselayer1.conv2.weight', 4);
  const [bottleneck = 0] = shapeOf(weights, 'features.denseblock1.denselayer1.conv1.weight', 4);
  if (growthRate <= 0 || bottleneck % growthRate !== 0) {
    throw new Error(`not this DenseNet: bottleneck width ${bottleneck} is not a multiple of the growth rate ${growthRate}`);
  }
  const [numClasses = 0] = shapeOf(weights, 'classifier.weight', 2);
  const architecture: DenseNetArchitecture = {
    family: 'densenet',
    growthRate,
    blockConfig,
    numInitFeatures,
    bnSize: bottleneck / growthRate,
    inChannels: 1,
  };
  validateDenseNetWeights(weights, architecture, numClasses);
  return { architecture, numClasses };
}

/** The state dict as the graph builder takes it (float32, contiguous), with its architecture. */
export function denseNetWeightsFromStateDict(stateDict: StateDict): DenseNetWeights {
  const weights: WeightMap = new Map();
  for (const [name, tensor] of stateDict) {
    if (notWeights(name)) continue;
    weights.set(name, { shape: tensor.shape, data: tensor.toFloat32() });
  }
  return { weights, ...inferDenseNetArchitecture(weights) };
}
