import { CheckpointError } from './pickleValues.ts';

/**
 * PyTorch storage classes and what one element is. Checkpoints saved on a GPU name `torch.cuda.*Storage`;
 * the bytes are the same.
 */
export const storageTypes = {
  FloatStorage: { dtype: 'float32', elementSize: 4 },
  DoubleStorage: { dtype: 'float64', elementSize: 8 },
  HalfStorage: { dtype: 'float16', elementSize: 2 },
  BFloat16Storage: { dtype: 'bfloat16', elementSize: 2 },
  LongStorage: { dtype: 'int64', elementSize: 8 },
  IntStorage: { dtype: 'int32', elementSize: 4 },
  ShortStorage: { dtype: 'int16', elementSize: 2 },
  CharStorage: { dtype: 'int8', elementSize: 1 },
  ByteStorage: { dtype: 'uint8', elementSize: 1 },
  BoolStorage: { dtype: 'bool', elementSize: 1 },
} as const;

export type StorageTypeName = keyof typeof storageTypes;
export type TorchDtype = (typeof storageTypes)[StorageTypeName]['dtype'];

export function isStorageTypeName(name: string): name is StorageTypeName {
  return Object.hasOwn(storageTypes, name);
}

/** One storage of a checkpoint; its bytes arrive after the pickle (legacy) or from its own zip entry. */
export class StorageRef {
  bytes: Uint8Array | undefined;

  constructor(
    readonly key: string,
    readonly dtype: TorchDtype,
    readonly elementSize: number,
    /** Elements, as the persistent id says; checked against the bytes when they arrive. */
    readonly numel: number,
    /** A legacy storage view: this storage is `numel` elements of `base` from element `viewOffset`. */
    readonly base?: StorageRef,
    readonly viewOffset = 0,
  ) {}

  /** The storage's bytes, little-endian as both formats write them. */
  data(): Uint8Array {
    if (this.base) {
      const b = this.base.data();
      const start = this.viewOffset * this.elementSize;
      const end = start + this.numel * this.elementSize;
      if (end > b.byteLength) throw new CheckpointError(`storage view '${this.key}' reaches past its base storage '${this.base.key}'`);
      return b.subarray(start, end);
    }
    if (!this.bytes) throw new CheckpointError(`storage '${this.key}' has no data in the file`);
    return this.bytes;
  }
}

/** A tensor as `torch._utils._rebuild_tensor_v2` describes it: a strided view of a storage. */
export class TorchTensor {
  constructor(
    readonly storage: StorageRef,
    readonly storageOffset: number,
    readonly shape: readonly number[],
    readonly stride: readonly number[],
  ) {
    if (shape.length !== stride.length) throw new CheckpointError(`tensor of storage '${storage.key}': shape [${shape.join(',')}] and stride [${stride.join(',')}] differ in rank`);
    for (const v of [storageOffset, ...shape, ...stride]) {
      if (!Number.isSafeInteger(v) || v < 0) throw new CheckpointError(`tensor of storage '${storage.key}': invalid size, stride or offset ${String(v)}`);
    }
  }

  get dtype(): TorchDtype {
    return this.storage.dtype;
  }

  get numel(): number {
    return this.shape.reduce((a, b) => a * b, 1);
  }

  /** Row-major element indices into the storage, respecting stride and offset (views, transposes, slices). */
  private storageIndices(): Int32Array | null {
    const n = this.numel;
    let contiguous = true;
    let expected = 1;
    for (let d = this.shape.length - 1; d >= 0; d--) {
      if ((this.shape[d] ?? 0) !== 1 && this.stride[d] !== expected) contiguous = false;
      expected *= this.shape[d] ?? 1;
    }
    const last = n === 0 ? 0 : this.storageOffset + this.shape.reduce((acc, s, d) => acc + (s - 1) * (this.stride[d] ?? 0), 0);
    if (n > 0 && last >= this.storage.numel) {
      throw new CheckpointError(`tensor of storage '${this.storage.key}' reads element ${last}, the storage holds ${this.storage.numel}`);
    }
    if (contiguous) return null;
    const out = new Int32Array(n);
    const index = new Array<number>(this.shape.length).fill(0);
    for (let i = 0; i < n; i++) {
      let at = this.storageOffset;
      for (let d = 0; d < index.length; d++) at += (index[d] ?? 0) * (this.stride[d] ?? 0);
      out[i] = at;
      for (let d = index.length - 1; d >= 0; d--) {
        index[d] = (index[d] ?? 0) + 1;
        if ((index[d] ?? 0) < (this.shape[d] ?? 0)) break;
        index[d] = 0;
      }
    }
    return out;
  }

  /**
   * The values as float32, row-major and contiguous; half and bfloat16 are widened exactly, float64 and
   * integers rounded to the nearest float32.
   */
  toFloat32(): Float32Array {
    const n = this.numel;
    const read = elementReader(this.storage);
    const indices = this.storageIndices();
    if (!indices && this.dtype === 'float32') {
      // The common case, a contiguous float32 tensor: one copy of its bytes (which may be unaligned in the file).
      const out = new Float32Array(n);
      const start = this.storageOffset * 4;
      new Uint8Array(out.buffer).set(this.storage.data().subarray(start, start + n * 4));
      return out;
    }
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = read(indices ? (indices[i] ?? 0) : this.storageOffset + i);
    return out;
  }

  /** The values as JavaScript numbers (int64 beyond 2^53 loses precision), row-major. */
  toNumbers(): number[] {
    const read = elementReader(this.storage);
    const indices = this.storageIndices();
    return Array.from({ length: this.numel }, (_, i) => read(indices ? (indices[i] ?? 0) : this.storageOffset + i));
  }
}

/** IEEE 754 binary16 → number (exact: every half is a float32). */
export function halfToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

function elementReader(storage: StorageRef): (i: number) => number {
  const bytes = storage.data();
  if (bytes.byteLength !== storage.numel * storage.elementSize) {
    throw new CheckpointError(`storage '${storage.key}' holds ${bytes.byteLength} bytes, ${storage.numel} ${storage.dtype} elements need ${storage.numel * storage.elementSize}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (storage.dtype) {
    case 'float32': return (i) => view.getFloat32(i * 4, true);
    case 'float64': return (i) => view.getFloat64(i * 8, true);
    case 'float16': return (i) => halfToNumber(view.getUint16(i * 2, true));
    case 'bfloat16': {
      const scratch = new DataView(new ArrayBuffer(4));
      return (i) => {
        scratch.setUint32(0, view.getUint16(i * 2, true) << 16);
        return scratch.getFloat32(0);
      };
    }
    case 'int64': return (i) => Number(view.getBigInt64(i * 8, true));
    case 'int32': return (i) => view.getInt32(i * 4, true);
    case 'int16': return (i) => view.getInt16(i * 2, true);
    case 'int8': return (i) => view.getInt8(i);
    case 'uint8':
    case 'bool': return (i) => view.getUint8(i);
  }
}
