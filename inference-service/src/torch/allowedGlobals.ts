import { CheckpointError, PyGlobal, PyObject } from './pickleValues.ts';
import { isStorageTypeName, StorageRef, TorchTensor } from './tensor.ts';
import type { StorageTypeName } from './tensor.ts';

/**
 * The only globals a checkpoint may name. A pickle names a global to have the unpickler import and call it;
 * here nothing is imported or called: each allowed name maps to a pure function of its (already
 * unpickled) arguments that builds data, and module classes become inert `PyObject` records. Any other name
 * (`posix.system`, `builtins.eval`, `subprocess.Popen`, numpy …) is refused by name.
 */

type Reducer = (args: readonly unknown[], where: string) => unknown;

const pairsToMap = (args: readonly unknown[], where: string): Map<unknown, unknown> => {
  const map = new Map<unknown, unknown>();
  const items = args[0];
  if (items === undefined) return map;
  if (!Array.isArray(items)) throw new CheckpointError(`${where}: OrderedDict expects a list of pairs`);
  for (const pair of items) {
    if (!Array.isArray(pair) || pair.length !== 2) throw new CheckpointError(`${where}: OrderedDict item is not a pair`);
    map.set(pair[0], pair[1]);
  }
  return map;
};

const toSet = (args: readonly unknown[], where: string): Set<unknown> => {
  const items = args[0] ?? [];
  if (!Array.isArray(items)) throw new CheckpointError(`${where}: set expects a list`);
  return new Set(items);
};

const intTuple = (v: unknown, what: string, where: string): number[] => {
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'number')) throw new CheckpointError(`${where}: tensor ${what} is not a tuple of ints`);
  return v as number[];
};

/** `_rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])`. */
const rebuildTensor: Reducer = (args, where) => {
  const [storage, offset, size, stride] = args;
  if (!(storage instanceof StorageRef)) throw new CheckpointError(`${where}: tensor without a storage`);
  if (typeof offset !== 'number') throw new CheckpointError(`${where}: tensor storage offset is not an int`);
  return new TorchTensor(storage, offset, intTuple(size, 'size', where), intTuple(stride, 'stride', where));
};

/** `_rebuild_parameter(data, requires_grad, backward_hooks[, state])`: a Parameter is its tensor here. */
const rebuildParameter: Reducer = (args, where) => {
  if (!(args[0] instanceof TorchTensor)) throw new CheckpointError(`${where}: Parameter without a tensor`);
  return args[0];
};

/**
 * PyTorch ≤ 1.1 stored every module's `_backend` as a call of this zero-argument factory; the backend
 * object holds no weights, so it becomes an empty inert record.
 */
const oldModuleBackend: Reducer = () => new PyObject('torch.nn.backends.thnn.THNNFunctionBackend', []);

const functions: Readonly<Record<string, Reducer>> = {
  'collections.OrderedDict': pairsToMap,
  'builtins.set': toSet,
  '__builtin__.set': toSet,
  'torch._utils._rebuild_tensor_v2': rebuildTensor,
  'torch._utils._rebuild_tensor': rebuildTensor,
  'torch._utils._rebuild_parameter': rebuildParameter,
  'torch._utils._rebuild_parameter_with_state': rebuildParameter,
  'torch.nn.backends.thnn._get_thnn_function_backend': oldModuleBackend,
  // PyTorch 0.4 reduced a Parameter to `Parameter(data, requires_grad)`.
  'torch.nn.parameter.Parameter': rebuildParameter,
};

/** Module classes kept as inert records: PyTorch's own layers and TorchXRayVision's (and torchvision's) models. */
const moduleClassPrefixes = ['torch.nn.modules.', 'torchxrayvision.models.', 'torchvision.models.'] as const;
/** Python 2's and 3's name for the helper protocol 0/1 pickles use to make an instance without `__init__`. */
const reconstructors = new Set(['copy_reg._reconstructor', 'copyreg._reconstructor']);

function isModuleClass(path: string): boolean {
  return moduleClassPrefixes.some((prefix) => path.startsWith(prefix)) && /^[\w.]+$/.test(path);
}

function storageTypeName(g: PyGlobal): StorageTypeName | undefined {
  if ((g.module === 'torch' || g.module === 'torch.cuda') && isStorageTypeName(g.name)) return g.name;
  return undefined;
}

/** Resolves a GLOBAL opcode: an allowed name becomes a PyGlobal, anything else throws naming it. */
export function resolveGlobal(module: string, name: string, where: string): PyGlobal {
  const g = new PyGlobal(module, name);
  const path = g.path;
  if (Object.hasOwn(functions, path) || storageTypeName(g) || isModuleClass(path) || reconstructors.has(path)) return g;
  throw new CheckpointError(`${where}: the pickle names the global '${path}', which is not allowed in a model checkpoint (nothing was executed)`);
}

/** The storage type a persistent id names (`torch.FloatStorage` …). */
export function storageTypeOf(value: unknown, where: string): StorageTypeName {
  const name = value instanceof PyGlobal ? storageTypeName(value) : undefined;
  if (!name) throw new CheckpointError(`${where}: persistent id names ${value instanceof PyGlobal ? `'${value.path}'` : 'no class'}, not a torch storage type`);
  return name;
}

/** REDUCE: `callable(*args)` for an allowed global, computed as data. */
export function reduce(callable: unknown, args: unknown, where: string): unknown {
  if (!(callable instanceof PyGlobal)) throw new CheckpointError(`${where}: REDUCE on something that is not an allowed global`);
  if (!Array.isArray(args)) throw new CheckpointError(`${where}: REDUCE arguments are not a tuple`);
  const path = callable.path;
  const fn = functions[path];
  if (fn) return fn(args, `${where} (${path})`);
  if (reconstructors.has(path)) {
    const cls = args[0];
    if (!(cls instanceof PyGlobal) || !isModuleClass(cls.path)) throw new CheckpointError(`${where}: ${path} of a class that is not allowed`);
    return new PyObject(cls.path, []);
  }
  if (isModuleClass(path)) return new PyObject(path, args);
  throw new CheckpointError(`${where}: '${path}' cannot be called in a model checkpoint`);
}

/** NEWOBJ: `cls.__new__(cls, *args)` for an allowed module class. */
export function newObject(cls: unknown, args: unknown, where: string): PyObject {
  if (!(cls instanceof PyGlobal) || !isModuleClass(cls.path)) {
    throw new CheckpointError(`${where}: NEWOBJ of ${cls instanceof PyGlobal ? `'${cls.path}'` : 'a non-class'}, which is not an allowed module class`);
  }
  return new PyObject(cls.path, Array.isArray(args) ? args : []);
}
