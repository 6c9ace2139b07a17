import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

/** The classifier's weight, [numClasses, channels] row-major: what turns feature maps into CAMs. */
export interface ClassifierWeight {
  readonly data: Float32Array;
  readonly numClasses: number;
  readonly channels: number;
}

/** The initializer the graph builder (model/buildDenseNetOnnx.ts) names after the state-dict tensor. */
export const classifierWeightName = 'classifier.weight';

/** TensorProto.DataType FLOAT (onnx.proto3). */
const tensorFloat = 1;

/**
 * Reads the classifier weight from the model's own ONNX bytes, so the CAMs always use the weights that
 * produced the logits and there is no second copy of them to fall out of step.
 */
export function readClassifierWeight(onnxBytes: Uint8Array, where = 'ONNX model'): ClassifierWeight {
  const model = onnx.ModelProto.decode(onnxBytes);
  const tensor = model.graph?.initializer?.find((t) => t.name === classifierWeightName);
  if (!tensor) throw new Error(`${where} has no initializer '${classifierWeightName}'`);
  const dims = (tensor.dims ?? []).map(Number);
  const [numClasses = 0, channels = 0] = dims;
  if (dims.length !== 2 || tensor.dataType !== tensorFloat) {
    throw new Error(`${where}: '${classifierWeightName}' is not a float32 matrix (dims [${dims.join(',')}], type ${tensor.dataType})`);
  }
  const count = numClasses * channels;
  let data: Float32Array;
  if (tensor.rawData && tensor.rawData.length > 0) {
    if (tensor.rawData.length !== count * 4) throw new Error(`${where}: '${classifierWeightName}' holds ${tensor.rawData.length} bytes, [${dims.join(',')}] float32 needs ${count * 4}`);
    // Copied: raw_data may sit at any offset of the decoded buffer, and is little-endian by the ONNX spec.
    data = new Float32Array(count);
    new Uint8Array(data.buffer).set(tensor.rawData);
  } else if (tensor.floatData && tensor.floatData.length === count) {
    data = Float32Array.from(tensor.floatData);
  } else {
    throw new Error(`${where}: '${classifierWeightName}' has no data for [${dims.join(',')}]`);
  }
  return { data, numClasses, channels };
}
