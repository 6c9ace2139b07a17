/**
 * The names of the graph's inputs and outputs that the builder writes and the runtime asks for. Apart from
 * the builder so that running a model never loads the ONNX protobuf code.
 */
export const denseNetOnnxNames = {
  input: 'input',
  /** [N, numClasses], the classifier's output before the sigmoid. */
  logits: 'logits',
  /** [N, C, h, w], the post-ReLU last feature maps, for class activation maps. */
  features: 'features',
} as const;
