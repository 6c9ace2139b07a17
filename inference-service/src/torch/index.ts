/** PyTorch checkpoints read without Python or code execution, and the import of TorchXRayVision weights. */
export { readCheckpoint } from './readCheckpoint.ts';
export type { Checkpoint, CheckpointFormat } from './readCheckpoint.ts';
export { CheckpointError, PyGlobal, PyObject } from './pickleValues.ts';
export { TorchTensor } from './tensor.ts';
export type { TorchDtype } from './tensor.ts';
export { toStateDict } from './stateDict.ts';
export type { StateDict, StateDictSource } from './stateDict.ts';
export { denseNetWeightsFromStateDict, inferDenseNetArchitecture } from './denseNetWeights.ts';
export type { DenseNetWeights } from './denseNetWeights.ts';
export { importModel, ModelImportError } from './importModel.ts';
export type { ImportOptions, ImportResult } from './importModel.ts';
