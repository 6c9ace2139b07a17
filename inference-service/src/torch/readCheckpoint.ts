import { storageTypeOf } from './allowedGlobals.ts';
import { CheckpointError, PyGlobal } from './pickleValues.ts';
import { StorageRef, storageTypes } from './tensor.ts';
import { unpickle } from './unpickle.ts';
import type { PersistentLoad } from './unpickle.ts';
import { ZipArchive } from './zipArchive.ts';

/**
 * Reads what `torch.save` wrote, in either of its formats, without PyTorch and without executing anything:
 * - legacy (torch < 1.6, or `_use_new_zipfile_serialization=False`): pickles of the magic number, the
 *   protocol version and sys info, then the object, then the list of storage keys, then each storage as an
 *   int64 element count and its raw little-endian bytes (torch/serialization.py `_legacy_save`);
 * - zip (torch ≥ 1.6): `<archive>/data.pkl` and one entry `<archive>/data/<key>` per storage.
 */

export type CheckpointFormat = 'legacy' | 'zip';

export interface Checkpoint {
  readonly format: CheckpointFormat;
  /** The saved object: a module tree (PyObject), a state dict (Map), or whatever else was saved. */
  readonly value: unknown;
}

const legacyMagic = 0x1950a86a20f9469cfc6cn;
const legacyProtocol = 1001;

/** `('storage', storage_type, key, location, numel[, view_metadata])`; `('module', cls, file, source)` in legacy files. */
function storageLoader(name: string, storages: Map<string, StorageRef>): PersistentLoad {
  return (pid, where) => {
    if (!Array.isArray(pid) || typeof pid[0] !== 'string') throw new CheckpointError(`${where}: persistent id is not a tuple`);
    if (pid[0] === 'module') {
      // The legacy format records each module class with its Python source, for a warning on load; the
      // class is all that is used, and the source text is never looked at.
      if (!(pid[1] instanceof PyGlobal)) throw new CheckpointError(`${where}: module persistent id without a class`);
      return pid[1];
    }
    if (pid[0] !== 'storage') throw new CheckpointError(`${where}: unknown persistent id '${pid[0]}' in ${name}`);
    const [, type, key, , numel, view] = pid as unknown[];
    const { dtype, elementSize } = storageTypes[storageTypeOf(type, where)];
    if (typeof key !== 'string' || typeof numel !== 'number' || !Number.isSafeInteger(numel) || numel < 0) {
      throw new CheckpointError(`${where}: malformed storage persistent id`);
    }
    let root = storages.get(key);
    if (!root) {
      root = new StorageRef(key, dtype, elementSize, numel);
      storages.set(key, root);
    } else if (root.dtype !== dtype) {
      throw new CheckpointError(`${where}: storage '${key}' is used as ${root.dtype} and as ${dtype}`);
    }
    if (Array.isArray(view) && view.length === 3) {
      const [viewKey, offset, size] = view as unknown[];
      if (typeof viewKey !== 'string' || typeof offset !== 'number' || typeof size !== 'number') throw new CheckpointError(`${where}: malformed storage view`);
      return new StorageRef(viewKey, dtype, elementSize, size, root, offset);
    }
    return root;
  };
}

function readLegacy(bytes: Uint8Array, name: string): Checkpoint {
  const noPersistent: PersistentLoad = (_pid, where) => {
    throw new CheckpointError(`${where}: unexpected persistent id in the header of ${name}`);
  };
  const magic = unpickle(bytes, 0, noPersistent, name);
  if (magic.value !== legacyMagic) {
    throw new CheckpointError(`${name} is not a PyTorch checkpoint (no legacy magic number, not a zip archive)`);
  }
  const protocol = unpickle(bytes, magic.end, noPersistent, name);
  if (protocol.value !== legacyProtocol) throw new CheckpointError(`${name}: legacy protocol version ${String(protocol.value)}, expected ${legacyProtocol}`);
  const sysInfo = unpickle(bytes, protocol.end, noPersistent, name);
  if (sysInfo.value instanceof Map && sysInfo.value.get('little_endian') === false) {
    throw new CheckpointError(`${name} was saved on a big-endian machine; only little-endian checkpoints are read`);
  }
  const storages = new Map<string, StorageRef>();
  const object = unpickle(bytes, sysInfo.end, storageLoader(name, storages), name);
  const keys = unpickle(bytes, object.end, noPersistent, name);
  if (!Array.isArray(keys.value) || !keys.value.every((k) => typeof k === 'string')) {
    throw new CheckpointError(`${name}: the storage key list after the object is not a list of strings`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = keys.end;
  for (const key of keys.value as string[]) {
    const storage = storages.get(key);
    if (!storage) throw new CheckpointError(`${name}: storage '${key}' is listed but no tensor uses it`);
    if (at + 8 > bytes.length) throw new CheckpointError(`${name} is truncated: storage '${key}' should start at byte ${at}, the file has ${bytes.length}`);
    const count = Number(view.getBigInt64(at, true));
    if (count !== storage.numel) throw new CheckpointError(`${name}: storage '${key}' holds ${count} elements, its tensors say ${storage.numel}`);
    const length = count * storage.elementSize;
    if (at + 8 + length > bytes.length) {
      throw new CheckpointError(`${name} is truncated: storage '${key}' needs bytes ${at + 8}–${at + 8 + length}, the file has ${bytes.length}`);
    }
    storage.bytes = bytes.subarray(at + 8, at + 8 + length);
    at += 8 + length;
  }
  for (const storage of storages.values()) {
    if (!storage.bytes) throw new CheckpointError(`${name}: storage '${storage.key}' is used by a tensor but has no data`);
  }
  return { format: 'legacy', value: object.value };
}

function readZip(bytes: Uint8Array, name: string): Checkpoint {
  const zip = new ZipArchive(bytes, name);
  const pickleName = zip.names().find((n) => /^[^/]+\/data\.pkl$/.test(n));
  if (!pickleName) {
    const torchScript = zip.names().some((n) => n.endsWith('/constants.pkl'));
    throw new CheckpointError(`${name}: ${torchScript ? 'a TorchScript archive; save the module with torch.save instead' : 'zip archive without <archive>/data.pkl, not a PyTorch checkpoint'}`);
  }
  const archive = pickleName.slice(0, -'/data.pkl'.length);
  const byteorder = `${archive}/byteorder`;
  if (zip.has(byteorder) && new TextDecoder().decode(zip.read(byteorder)).trim() !== 'little') {
    throw new CheckpointError(`${name} was saved on a big-endian machine; only little-endian checkpoints are read`);
  }
  const storages = new Map<string, StorageRef>();
  const { value } = unpickle(zip.read(pickleName), 0, storageLoader(name, storages), `${name}:${pickleName}`);
  for (const storage of storages.values()) {
    const entry = `${archive}/data/${storage.key}`;
    const data = zip.read(entry);
    if (data.byteLength < storage.numel * storage.elementSize) {
      throw new CheckpointError(`${name}: entry '${entry}' holds ${data.byteLength} bytes, ${storage.numel} ${storage.dtype} elements need ${storage.numel * storage.elementSize}`);
    }
    storage.bytes = data.subarray(0, storage.numel * storage.elementSize);
  }
  return { format: 'zip', value };
}

/** Reads a checkpoint's bytes; `name` (usually the file path) appears in every error. */
export function readCheckpoint(bytes: Uint8Array, name: string): Checkpoint {
  if (bytes.length === 0) throw new CheckpointError(`${name} is empty`);
  if (ZipArchive.isZip(bytes)) return readZip(bytes, name);
  if (bytes[0] === 0x80) return readLegacy(bytes, name);
  throw new CheckpointError(`${name} is not a PyTorch checkpoint (neither a zip archive nor a legacy pickle)`);
}
