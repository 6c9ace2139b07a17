/**
 * NumPy's `.npy` format, version 1.0 (numpy/lib/format.py, NEP 1): magic `\x93NUMPY`, version bytes,
 * a little-endian uint16 header length, an ASCII Python-dict header padded with spaces and ended by `\n`
 * so the data starts on a 64-byte boundary, then the raw C-order data.
 */
const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59] as const;
const alignment = 64;
const preambleLength = magic.length + 2 + 2;

/** A float32 array with its shape as `np.load` returns it (`<f4`, C order). */
export function encodeNpy(data: Float32Array, shape: readonly number[]): Uint8Array {
  checkShape(data.length, shape);
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const dict = `{'descr': '<f4', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const headerLength = Math.ceil((preambleLength + dict.length + 1) / alignment) * alignment - preambleLength;
  if (headerLength > 0xffff) throw new RangeError(`encodeNpy: shape ${shapeText} makes a header too long for .npy 1.0`);

  const bytes = new Uint8Array(preambleLength + headerLength + data.length * 4);
  bytes.set(magic, 0);
  bytes[6] = 1;
  bytes[7] = 0;
  new DataView(bytes.buffer).setUint16(8, headerLength, true);
  const header = dict.padEnd(headerLength - 1, ' ') + '\n';
  for (let i = 0; i < header.length; i++) bytes[preambleLength + i] = header.charCodeAt(i);

  const view = new DataView(bytes.buffer, preambleLength + headerLength);
  for (let i = 0; i < data.length; i++) view.setFloat32(i * 4, data[i]!, true);
  return bytes;
}

export interface NpyArray {
  readonly shape: readonly number[];
  readonly data: Float32Array | Float64Array;
}

/** Reads a C-order `<f4` or `<f8` `.npy` (versions 1–3), e.g. a reference written by numpy. */
export function decodeNpy(bytes: Uint8Array): NpyArray {
  if (bytes.length < preambleLength || magic.some((b, i) => bytes[i] !== b)) {
    throw new Error('decodeNpy: not a .npy file (no \\x93NUMPY magic)');
  }
  const major = bytes[6]!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (major < 1 || major > 3) throw new Error(`decodeNpy: .npy version ${major} is not supported`);
  const lengthSize = major === 1 ? 2 : 4;
  const headerLength = lengthSize === 2 ? view.getUint16(8, true) : view.getUint32(8, true);
  const dataOffset = 8 + lengthSize + headerLength;
  const header = new TextDecoder('latin1').decode(bytes.subarray(8 + lengthSize, dataOffset));

  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw new Error(`decodeNpy: header ${JSON.stringify(header.trim())} lacks descr, fortran_order or shape`);
  }
  if (fortran === 'True') throw new Error('decodeNpy: Fortran-order arrays are not supported');
  const shape = shapeText
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map(Number);
  const count = shape.reduce((a, b) => a * b, 1);

  const itemSize = descr === '<f4' ? 4 : descr === '<f8' ? 8 : 0;
  if (itemSize === 0) throw new Error(`decodeNpy: dtype '${descr}' is not supported (only '<f4' and '<f8')`);
  if (bytes.length - dataOffset < count * itemSize) {
    throw new Error(`decodeNpy: ${bytes.length - dataOffset} data bytes, shape (${shape.join(', ')}) needs ${count * itemSize}`);
  }
  const data = itemSize === 4 ? new Float32Array(count) : new Float64Array(count);
  for (let i = 0; i < count; i++) {
    data[i] =
      itemSize === 4
        ? view.getFloat32(dataOffset + i * 4, true)
        : view.getFloat64(dataOffset + i * 8, true);
  }
  return { shape, data };
}

function checkShape(length: number, shape: readonly number[]): void {
  const count = shape.reduce((a, b) => a * b, 1);
  if (shape.length === 0 || !shape.every((d) => Number.isInteger(d) && d >= 0) || count !== length) {
    throw new RangeError(`encodeNpy: shape (${shape.join(', ')}) does not hold ${length} values`);
  }
}
