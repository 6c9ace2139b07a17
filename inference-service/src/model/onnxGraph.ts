import onnxProto from 'onnx-proto';
import type { onnx as OnnxTypes } from 'onnx-proto';

const { onnx } = onnxProto;

/** ONNX's own enum values (onnx.proto3 TensorProto.DataType, AttributeProto.AttributeType). */
const tensorFloat = 1 as const;
const attributeType = { FLOAT: 1, INT: 2, INTS: 7 } as const;

/**
 * IR version 8 with the default-domain opset 17: every op used here has had its current semantics since
 * opset ≤ 15, and onnxruntime 1.30 supports both.
 */
export const onnxIrVersion = 8;
export const onnxOpsetVersion = 17;

export type AttributeValue = number | readonly number[];
/** Attribute values that are floats by ONNX's definition of the op (everything else is an int). */
const floatAttributes = new Set(['epsilon', 'alpha', 'beta', 'momentum']);

export type Dim = number | string;

/**
 * A small builder of one ONNX graph: float32 initializers, nodes in topological order, typed inputs and
 * outputs; `encode()` returns the serialized ModelProto.
 */
export class OnnxGraphBuilder {
  private readonly nodes: OnnxTypes.INodeProto[] = [];
  private readonly initializers: OnnxTypes.ITensorProto[] = [];
  private readonly inputs: OnnxTypes.IValueInfoProto[] = [];
  private readonly outputs: OnnxTypes.IValueInfoProto[] = [];
  private readonly names = new Set<string>();
  private nodeCount = 0;

  constructor(private readonly graphName: string) {}

  /** Adds a float32 constant; its bytes are referenced, not copied, until `encode()`. */
  initializer(name: string, dims: readonly number[], data: Float32Array): string {
    this.claim(name);
    this.initializers.push({
      name,
      dims: [...dims],
      dataType: tensorFloat,
      // raw_data is little-endian by the ONNX spec, as Float32Array is on every platform Node supports here.
      rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    });
    return name;
  }

  /** Adds one node with a fresh output name derived from `output`; returns that name. */
  node(opType: string, inputs: readonly string[], output: string, attributes: Record<string, AttributeValue> = {}): string {
    this.claim(output);
    this.nodes.push({
      name: `${opType}_${this.nodeCount++}`,
      opType,
      input: [...inputs],
      output: [output],
      attribute: Object.entries(attributes).map(([name, value]) => attribute(name, value)),
    });
    return output;
  }

  input(name: string, dims: readonly Dim[]): string {
    this.claim(name);
    this.inputs.push(valueInfo(name, dims));
    return name;
  }

  /** Declares an existing value (a node output) as a graph output. */
  output(name: string, dims: readonly Dim[]): void {
    if (!this.names.has(name)) throw new Error(`OnnxGraphBuilder.output: no value named '${name}' in graph '${this.graphName}'`);
    this.outputs.push(valueInfo(name, dims));
  }

  encode(docString: string): Uint8Array {
    const model = onnx.ModelProto.create({
      irVersion: onnxIrVersion,
      opsetImport: [{ domain: '', version: onnxOpsetVersion }],
      producerName: 'cxr-findings',
      docString,
      graph: {
        name: this.graphName,
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs,
        output: this.outputs,
      },
    });
    return onnx.ModelProto.encode(model).finish();
  }

  private claim(name: string): void {
    if (this.names.has(name)) throw new Error(`OnnxGraphBuilder: value '${name}' defined twice in graph '${this.graphName}'`);
    this.names.add(name);
  }
}

function attribute(name: string, value: AttributeValue): OnnxTypes.IAttributeProto {
  if (typeof value !== 'number') return { name, type: attributeType.INTS, ints: [...value] };
  if (floatAttributes.has(name)) return { name, type: attributeType.FLOAT, f: value };
  return { name, type: attributeType.INT, i: value };
}

function valueInfo(name: string, dims: readonly Dim[]): OnnxTypes.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: tensorFloat,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}
