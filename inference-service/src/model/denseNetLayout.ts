import type { ModelCard } from './modelCard.ts';

export type DenseNetArchitecture = ModelCard['architecture'];

/** One named tensor of a PyTorch state dict, float32, row-major (C order) as PyTorch stores it contiguously. */
export interface WeightTensor {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

/** TorchXRayVision state-dict names (`features.conv0.weight`, …, `classifier.bias`) to tensors. */
export type WeightMap = Map<string, WeightTensor>;

/** Parameter and buffer suffixes of a `nn.BatchNorm2d`, in state-dict order. */
export const batchNormSuffixes = ['weight', 'bias', 'running_mean', 'running_var'] as const;

/** A buffer PyTorch adds to every BatchNorm since 0.4.1; it only counts training steps, so inference ignores it. */
export const ignoredSuffix = 'num_batches_tracked';

export interface DenseLayerLayout {
  /** e.g. `features.denseblock1.denselayer1` */
  readonly prefix: string;
  readonly inChannels: number;
  /** bn_size · growth_rate, the bottleneck width. */
  readonly bottleneck: number;
  readonly growth: number;
}

export interface TransitionLayout {
  readonly prefix: string;
  readonly inChannels: number;
  readonly outChannels: number;
}

export interface DenseBlockLayout {
  readonly layers: readonly DenseLayerLayout[];
  /** The transition after this block; TorchXRayVision has none after the last block (norm5 follows). */
  readonly transition?: TransitionLayout;
}

export interface DenseNetLayout {
  readonly initFeatures: number;
  readonly blocks: readonly DenseBlockLayout[];
  /** Channels of the last feature maps (1024 for DenseNet-121). */
  readonly featureChannels: number;
}

/**
 * The channel bookkeeping of torchxrayvision/models.py `DenseNet.__init__` (itself torchvision's DenseNet):
 * layer i of a block sees `num_features + i·growth_rate` channels; a transition halves them (floor).
 */
export function denseNetLayout(arch: DenseNetArchitecture): DenseNetLayout {
  let channels = arch.numInitFeatures;
  const blocks: DenseBlockLayout[] = arch.blockConfig.map((numLayers, b) => {
    const layers: DenseLayerLayout[] = [];
    for (let l = 0; l < numLayers; l++) {
      layers.push({
        prefix: `features.denseblock${b + 1}.denselayer${l + 1}`,
        inChannels: channels + l * arch.growthRate,
        bottleneck: arch.bnSize * arch.growthRate,
        growth: arch.growthRate,
      });
    }
    channels += numLayers * arch.growthRate;
    if (b === arch.blockConfig.length - 1) return { layers };
    const transition = { prefix: `features.transition${b + 1}`, inChannels: channels, outChannels: Math.floor(channels / 2) };
    channels = transition.outChannels;
    return { layers, transition };
  });
  return { initFeatures: arch.numInitFeatures, blocks, featureChannels: channels };
}

/** Side of the last feature maps for a square input: conv0 /2, pool0 /2, each transition /2 (floors as PyTorch). */
export function featureMapSide(arch: DenseNetArchitecture, resolution: number): number {
  let side = Math.floor((resolution + 2 * 3 - 7) / 2) + 1;
  side = Math.floor((side + 2 * 1 - 3) / 2) + 1;
  for (let t = 0; t < arch.blockConfig.length - 1; t++) side = Math.floor(side / 2);
  return side;
}

/** Every tensor the state dict of this DenseNet holds (num_batches_tracked aside), name → shape, in module order. */
export function denseNetTensorShapes(arch: DenseNetArchitecture, numClasses: number): Map<string, readonly number[]> {
  const layout = denseNetLayout(arch);
  const shapes = new Map<string, readonly number[]>();
  const batchNorm = (prefix: string, channels: number): void => {
    for (const suffix of batchNormSuffixes) shapes.set(`${prefix}.${suffix}`, [channels]);
  };
  shapes.set('features.conv0.weight', [arch.numInitFeatures, arch.inChannels, 7, 7]);
  batchNorm('features.norm0', arch.numInitFeatures);
  for (const block of layout.blocks) {
    for (const layer of block.layers) {
      batchNorm(`${layer.prefix}.norm1`, layer.inChannels);
      shapes.set(`${layer.prefix}.conv1.weight`, [layer.bottleneck, layer.inChannels, 1, 1]);
      batchNorm(`${layer.prefix}.norm2`, layer.bottleneck);
      shapes.set(`${layer.prefix}.conv2.weight`, [layer.growth, layer.bottleneck, 3, 3]);
    }
    if (block.transition) {
      const { prefix, inChannels, outChannels } = block.transition;
      batchNorm(`${prefix}.norm`, inChannels);
      shapes.set(`${prefix}.conv.weight`, [outChannels, inChannels, 1, 1]);
    }
  }
  batchNorm('features.norm5', layout.featureChannels);
  shapes.set('classifier.weight', [numClasses, layout.featureChannels]);
  shapes.set('classifier.bias', [numClasses]);
  return shapes;
}

const sameShape = (a: readonly number[], b: readonly number[]): boolean =>
  a.length === b.length && a.every((d, i) => d === b[i]);

/**
 * Throws unless `weights` holds exactly this DenseNet's tensors with exactly its shapes; the message names the
 * first offending tensor and starts with "not this DenseNet", which the importer relies on to tell users their
 * file is some other network.
 */
export function validateDenseNetWeights(weights: WeightMap, arch: DenseNetArchitecture, numClasses: number): void {
  const expected = denseNetTensorShapes(arch, numClasses);
  const where = `(growth ${arch.growthRate}, blocks [${arch.blockConfig.join(',')}], init ${arch.numInitFeatures}, bn_size ${arch.bnSize}, ${numClasses} classes)`;
  for (const [name, shape] of expected) {
    const tensor = weights.get(name);
    if (!tensor) throw new Error(`not this DenseNet: tensor '${name}' [${shape.join(',')}] is missing ${where}`);
    if (!sameShape(tensor.shape, shape)) {
      throw new Error(`not this DenseNet: tensor '${name}' has shape [${tensor.shape.join(',')}], expected [${shape.join(',')}] ${where}`);
    }
    const size = shape.reduce((a, b) => a * b, 1);
    if (tensor.data.length !== size) {
      throw new Error(`not this DenseNet: tensor '${name}' holds ${tensor.data.length} values, its shape [${shape.join(',')}] needs ${size}`);
    }
  }
  for (const name of weights.keys()) {
    if (expected.has(name)) continue;
    if (name.endsWith(`.${ignoredSuffix}`) && expected.has(`${name.slice(0, -ignoredSuffix.length)}running_mean`)) continue;
    throw new Error(`not this DenseNet: unexpected tensor '${name}' ${where}`);
  }
}
