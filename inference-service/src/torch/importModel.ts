import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { activateModel, sha256Hex } from '../model/activeModel.ts';
import type { ActiveModel } from '../model/activeModel.ts';
import { buildDenseNetOnnx } from '../model/buildDenseNetOnnx.ts';
import { modelsDir as defaultModelsDir, readModelCard, upstreamCardPath } from '../model/modelCard.ts';
import type { ModelCard } from '../model/modelCard.ts';
import { denseNetWeightsFromStateDict } from './denseNetWeights.ts';
import { readCheckpoint } from './readCheckpoint.ts';
import type { CheckpointFormat } from './readCheckpoint.ts';
import { toStateDict } from './stateDict.ts';

export interface ImportOptions {
  /** Refuse a file whose size or SHA-256 differs from the upstream card's, instead of importing it as custom. */
  readonly strict?: boolean;
  /** Where the ONNX and `active.json` go (the project's `models/` by default; tests use a temporary folder). */
  readonly modelsDir?: string;
  /** The card of the published weights (models/densenet121-res224-all.card.json by default). */
  readonly upstreamCard?: ModelCard;
}

export interface ImportResult {
  readonly active: ActiveModel;
  readonly format: CheckpointFormat;
  /** What the file held: a whole pickled module (as upstream) or a state dict. */
  readonly contents: 'module' | 'state-dict';
  readonly rootClass?: string;
  readonly fileSha256: string;
  readonly fileSize: number;
  readonly timingsMs: { readonly read: number; readonly parse: number; readonly build: number; readonly write: number };
}

export class ModelImportError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ModelImportError';
  }
}

function customWarning(file: string, size: number, sha256: string, upstream: ModelCard): string {
  const expected = upstream.weights ? `${upstream.weights.size} bytes, SHA-256 ${upstream.weights.sha256}` : 'no recorded hash';
  return (
    `CUSTOM MODEL: ${file} (${size} bytes, SHA-256 ${sha256}) is not the published TorchXRayVision weights ` +
    `(${expected}). Its findings use ${upstream.id}'s labels and operating thresholds, which may not fit it; ` +
    'they are not validated.'
  );
}

const sameArchitecture = (a: ModelCard['architecture'], b: ModelCard['architecture']): boolean => JSON.stringify(a) === JSON.stringify(b);

/**
 * `cxr-findings model import`: checks the file against the upstream card (size, SHA-256), reads the
 * checkpoint without executing it, checks that it is TorchXRayVision's DenseNet with the card's 18 findings,
 * builds the ONNX and makes it the active model. A file that is not the published one becomes
 * `kind: "custom"` with a warning in its card, or is refused when `strict`.
 */
export async function importModel(path: string, options: ImportOptions = {}): Promise<ImportResult> {
  const upstream = options.upstreamCard ?? (await readModelCard(upstreamCardPath));
  let t = performance.now();
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (cause) {
    throw new ModelImportError(`model import: cannot read ${path}`, { cause });
  }
  const fileSha256 = sha256Hex(bytes);
  const fileSize = bytes.length;
  const isUpstream = upstream.weights !== undefined && fileSize === upstream.weights.size && fileSha256 === upstream.weights.sha256;
  if (!isUpstream && options.strict) {
    throw new ModelImportError(
      `model import --strict: ${path} is ${fileSize} bytes with SHA-256 ${fileSha256}; the card ${upstream.id} expects ` +
        `${upstream.weights?.size ?? '?'} bytes with SHA-256 ${upstream.weights?.sha256 ?? '?'}. Refused.`,
    );
  }
  const read = performance.now() - t;

  t = performance.now();
  const checkpoint = readCheckpoint(bytes, path);
  const source = toStateDict(checkpoint.value, path);
  let dense;
  try {
    dense = denseNetWeightsFromStateDict(source.stateDict);
  } catch (cause) {
    throw new ModelImportError(`model import: ${path}${source.rootClass ? ` (${source.rootClass})` : ''} is ${(cause as Error).message}`, { cause });
  }
  if (dense.numClasses !== upstream.labels.length) {
    throw new ModelImportError(
      `model import: ${path} is not this DenseNet: its classifier has ${dense.numClasses} outputs, ` +
        `${upstream.id} has ${upstream.labels.length} findings (${upstream.labels.slice(0, 3).join(', ')}, …)`,
    );
  }
  if (isUpstream && !sameArchitecture(dense.architecture, upstream.architecture)) {
    throw new ModelImportError(`model import: ${path} has the published hash but not the card's architecture`);
  }
  const parse = performance.now() - t;

  t = performance.now();
  const onnxBytes = buildDenseNetOnnx(dense.weights, dense.architecture, dense.numClasses, upstream.input.resolution);
  const build = performance.now() - t;

  const file = basename(path);
  const card: ModelCard = isUpstream
    ? { ...upstream, kind: 'upstream', createdAt: new Date().toISOString() }
    : {
        ...upstream,
        id: `custom-${fileSha256.slice(0, 12)}`,
        kind: 'custom',
        name: `Custom DenseNet imported from ${file}`,
        architecture: dense.architecture,
        weights: { fileName: file, size: fileSize, sha256: fileSha256, format: `torch-${checkpoint.format}-${source.kind}` },
        warning: customWarning(file, fileSize, fileSha256, upstream),
        source: `cxr-findings model import ${file}${source.rootClass ? ` (${source.rootClass})` : ''}`,
        createdAt: new Date().toISOString(),
      };
  delete (card as { onnx?: unknown }).onnx;
  t = performance.now();
  const active = await activateModel(card, onnxBytes, options.modelsDir ?? defaultModelsDir);
  const write = performance.now() - t;
  return {
    active,
    format: checkpoint.format,
    contents: source.kind,
    ...(source.rootClass ? { rootClass: source.rootClass } : {}),
    fileSha256,
    fileSize,
    timingsMs: { read, parse, build, write },
  };
}
