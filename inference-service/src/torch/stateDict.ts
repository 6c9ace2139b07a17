import { CheckpointError, PyObject } from './pickleValues.ts';
import { TorchTensor } from './tensor.ts';

/** Flat state-dict names (`features.norm0.running_mean`) to tensors, in module order. */
export type StateDict = Map<string, TorchTensor>;

export interface StateDictSource {
  readonly stateDict: StateDict;
  /** 'module' for a pickled module tree, 'state-dict' for a plain (Ordered)Dict of tensors. */
  readonly kind: 'module' | 'state-dict';
  /** The root module's class path, e.g. `torchxrayvision.models.DenseNet`. */
  readonly rootClass?: string;
}

function dictOf(module: PyObject, field: string, path: string): Map<unknown, unknown> {
  const dict = module.dict;
  if (!dict) throw new CheckpointError(`module '${path || '<root>'}' (${module.classPath}) has no state`);
  const value = dict.get(field);
  if (value === undefined || value === null) return new Map();
  if (!(value instanceof Map)) throw new CheckpointError(`module '${path || '<root>'}' (${module.classPath}): ${field} is not a dict`);
  return value;
}

/**
 * What `module.state_dict()` returns, from the inert module tree: each module's `_parameters`, then its
 * persistent `_buffers`, then its `_modules` recursively (torch/nn/modules/module.py `_save_to_state_dict`).
 * None entries (e.g. `bias=False`) and buffers in `_non_persistent_buffers_set` are left out, as PyTorch does.
 */
function walkModule(module: PyObject, prefix: string, out: StateDict, seen: Set<PyObject>): void {
  if (seen.has(module)) throw new CheckpointError(`module '${prefix}' (${module.classPath}) appears twice in the module tree`);
  seen.add(module);
  const path = prefix.replace(/\.$/, '');
  const nonPersistent = module.dict?.get('_non_persistent_buffers_set');
  for (const field of ['_parameters', '_buffers'] as const) {
    for (const [name, tensor] of dictOf(module, field, path)) {
      if (tensor === null) continue;
      if (field === '_buffers' && nonPersistent instanceof Set && nonPersistent.has(name)) continue;
      if (typeof name !== 'string' || !(tensor instanceof TorchTensor)) {
        throw new CheckpointError(`module '${path || '<root>'}' (${module.classPath}): ${field} entry ${String(name)} is not a tensor`);
      }
      out.set(prefix + name, tensor);
    }
  }
  for (const [name, child] of dictOf(module, '_modules', path)) {
    if (child === null) continue;
    if (typeof name !== 'string' || !(child instanceof PyObject)) {
      throw new CheckpointError(`module '${path || '<root>'}' (${module.classPath}): submodule ${String(name)} is not a module`);
    }
    walkModule(child, `${prefix}${name}.`, out, seen);
  }
}

function isTensorDict(value: unknown): value is Map<string, TorchTensor> {
  return value instanceof Map && value.size > 0 && [...value].every(([k, v]) => typeof k === 'string' && v instanceof TorchTensor);
}

/**
 * The state dict of whatever a checkpoint holds: a whole module (as the TorchXRayVision release is), a plain
 * state dict, or a training checkpoint dict with the state dict under `state_dict` or `model`.
 */
export function toStateDict(value: unknown, name: string): StateDictSource {
  if (value instanceof PyObject) {
    const stateDict: StateDict = new Map();
    walkModule(value, '', stateDict, new Set());
    return { stateDict, kind: 'module', rootClass: value.classPath };
  }
  if (isTensorDict(value)) return { stateDict: new Map(value), kind: 'state-dict' };
  if (value instanceof Map) {
    for (const key of ['state_dict', 'model']) {
      const inner = value.get(key);
      if (inner instanceof PyObject || isTensorDict(inner)) return toStateDict(inner, name);
    }
  }
  throw new CheckpointError(`${name} holds neither a module nor a state dict of tensors`);
}
