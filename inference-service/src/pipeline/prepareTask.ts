/**
 * The prepare pool's task, run in a worker thread (loaded by prepareWorker.mjs). Errors do not cross a
 * thread as their classes, so every failure comes back as data and preparePool.ts makes it a
 * ClassifyError again; the raw pixel buffers stay here (the SR needs the data set's attributes only).
 */
import { move, transferableSymbol, valueSymbol } from 'piscina';
import { DicomReadError, type DicomDataset, type DicomLimits } from '../dicom/index.ts';
import { ownBuffer } from '../ownBuffer.ts';
import type { ClassifyErrorCode } from './classifyError.ts';
import { ClassifyError } from './classifyError.ts';
import { prepareImage, type PreparedImage, type PrepareOptions } from './prepareImage.ts';

export interface PrepareTask {
  readonly part10: Uint8Array;
  readonly limits: DicomLimits;
  readonly resolution: number;
  readonly options: PrepareOptions;
}

export type PrepareTaskResult =
  | { readonly ok: true; readonly prepared: PreparedImage }
  | { readonly ok: false; readonly code: ClassifyErrorCode; readonly message: string; readonly dicomCode?: DicomReadError['code'] };

/**
 * dcmjs hands out some values as arrays wrapped in a Proxy, which a thread cannot be sent (structured
 * clone refuses them): the same values as plain arrays and objects, binary ones kept as they are.
 */
function plainCopy(value: unknown): unknown {
  if (Array.isArray(value)) return Array.from(value, plainCopy);
  if (value === null || typeof value !== 'object' || ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return value;
  return Object.fromEntries(Object.entries(value).map(([key, v]) => [key, plainCopy(v)]));
}

/**
 * A result whose tensor moves to the caller instead of being copied (piscina's Transferable): the copy, 200 kB
 * an image, was garbage on the sidecar's main thread. The tensor is this task's own.
 */
function movingTensor(result: PrepareTaskResult & { ok: true }): PrepareTaskResult {
  const buffer = ownBuffer(result.prepared.input.tensor);
  if (!buffer) return result;
  return move({ [transferableSymbol]: [buffer], [valueSymbol]: result }) as unknown as PrepareTaskResult;
}

export default async function prepareTask(task: PrepareTask): Promise<PrepareTaskResult> {
  try {
    const prepared = await prepareImage(task.part10, task.resolution, { ...task.options, limits: task.limits, keepImage: false });
    const { PixelData: _pixels, ...dataset } = prepared.dataset;
    return movingTensor({ ok: true, prepared: { ...prepared, dataset: plainCopy(dataset) as DicomDataset } });
  } catch (error) {
    if (error instanceof ClassifyError) {
      const cause = error.cause;
      return { ok: false, code: error.code, message: error.message, ...(cause instanceof DicomReadError ? { dicomCode: cause.code } : {}) };
    }
    return { ok: false, code: 'unreadable-dicom', message: error instanceof Error ? error.message : String(error) };
  }
}
