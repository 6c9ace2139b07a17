import { batchNormSuffixes, denseNetLayout, featureMapSide, validateDenseNetWeights } from './denseNetLayout.ts';
import type { DenseNetArchitecture, WeightMap } from './denseNetLayout.ts';
import { OnnxGraphBuilder } from './onnxGraph.ts';
import { denseNetOnnxNames } from './onnxNames.ts';

export { denseNetOnnxNames };

/** The value names of the graph's interface; FindingsModel checks them when it loads a model. */

/**
 * Bumped when the emitted graph changes (v2: transitions pool before their 1×1 convolution), so set-up
 * rebuilds the demo model; imported models of an older graph stay valid, as they compute the same function.
 */
export const denseNetGraphVersion = 2;

/** The symbolic batch dimension. */
export const batchDim = 'N';

/** torch.nn.BatchNorm2d's default eps, which TorchXRayVision's DenseNet keeps. */
const batchNormEpsilon = 1e-5;

/**
 * Emits the ONNX model of TorchXRayVision's DenseNet forward (torchxrayvision/models.py): `features` (conv0
 * 7×7/2 pad 3 → norm0 → relu0 → pool0 max 3/2 pad 1 → dense blocks with transitions → norm5) → ReLU → global
 * average pool → classifier (Linear). Input `[N, 1, R, R]` with R = `resolution`; outputs `logits` and
 * `features` (see `denseNetOnnxNames`). Throws "not this DenseNet: …" when a tensor is missing, extra or
 * misshapen.
 */
export function buildDenseNetOnnx(
  weights: WeightMap,
  arch: DenseNetArchitecture,
  numClasses: number,
  resolution = 224,
): Uint8Array {
  validateDenseNetWeights(weights, arch, numClasses);
  const layout = denseNetLayout(arch);
  const g = new OnnxGraphBuilder('torchxrayvision_densenet');

  const weight = (name: string): string => {
    const tensor = weights.get(name);
    if (!tensor) throw new Error(`buildDenseNetOnnx: tensor '${name}' vanished after validation`);
    return g.initializer(name, tensor.shape, tensor.data);
  };
  // BatchNormalization in inference form (training_mode 0, the default): (x − mean)/√(var + eps)·γ + β.
  const batchNorm = (x: string, prefix: string): string =>
    g.node('BatchNormalization', [x, ...batchNormSuffixes.map((s) => weight(`${prefix}.${s}`))], `${prefix}`, {
      epsilon: batchNormEpsilon,
    });
  const relu = (x: string, name: string): string => g.node('Relu', [x], name);
  const conv = (x: string, prefix: string, kernel: number, stride: number, pad: number): string =>
    g.node('Conv', [x, weight(`${prefix}.weight`)], prefix, {
      kernel_shape: [kernel, kernel],
      strides: [stride, stride],
      pads: [pad, pad, pad, pad],
    });

  let x = g.input(denseNetOnnxNames.input, [batchDim, arch.inChannels, resolution, resolution]);
  x = conv(x, 'features.conv0', 7, 2, 3);
  x = relu(batchNorm(x, 'features.norm0'), 'features.relu0');
  x = g.node('MaxPool', [x], 'features.pool0', { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] });

  for (const block of layout.blocks) {
    for (const layer of block.layers) {
      // _DenseLayer: norm1 → relu1 → conv1 (1×1) → norm2 → relu2 → conv2 (3×3 pad 1), then cat([x, new], 1).
      let y = relu(batchNorm(x, `${layer.prefix}.norm1`), `${layer.prefix}.relu1`);
      y = conv(y, `${layer.prefix}.conv1`, 1, 1, 0);
      y = relu(batchNorm(y, `${layer.prefix}.norm2`), `${layer.prefix}.relu2`);
      y = conv(y, `${layer.prefix}.conv2`, 3, 1, 1);
      x = g.node('Concat', [x, y], `${layer.prefix}.cat`, { axis: 1 });
    }
    if (block.transition) {
      const { prefix } = block.transition;
      // PyTorch runs conv (1×1, no bias) then the 2×2 average pool. Both are linear and per-pixel/per-channel
      // respectively, so pooling first gives the same values with a quarter of the convolution's work.
      let y = relu(batchNorm(x, `${prefix}.norm`), `${prefix}.relu`);
      y = g.node('AveragePool', [y], `${prefix}.pool`, { kernel_shape: [2, 2], strides: [2, 2] });
      x = conv(y, `${prefix}.conv`, 1, 1, 0);
    }
  }
  x = batchNorm(x, 'features.norm5');

  // DenseNet.features2: F.relu(features) → adaptive_avg_pool2d(1) → flatten; then the classifier.
  const features = relu(x, denseNetOnnxNames.features);
  const pooled = g.node('GlobalAveragePool', [features], 'pooled');
  const flat = g.node('Flatten', [pooled], 'flat', { axis: 1 });
  g.node('Gemm', [flat, weight('classifier.weight'), weight('classifier.bias')], denseNetOnnxNames.logits, { transB: 1 });

  const side = featureMapSide(arch, resolution);
  g.output(denseNetOnnxNames.logits, [batchDim, numClasses]);
  g.output(denseNetOnnxNames.features, [batchDim, layout.featureChannels, side, side]);
  return g.encode(
    `TorchXRayVision DenseNet (growth ${arch.growthRate}, blocks [${arch.blockConfig.join(',')}], ` +
      `init ${arch.numInitFeatures}, bn_size ${arch.bnSize}), ${numClasses} classes, input ${resolution}×${resolution}`,
  );
}
