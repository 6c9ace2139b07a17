import type { DicomLimits } from '../dicom/limits.ts';
import { loadActiveModel } from '../model/activeModel.ts';
import { FindingsModel } from '../model/findingsModel.ts';
import type { ModelLayout } from '../model/modelLayout.ts';
import type { FindingsPipeline } from './findingsPipeline.ts';
import { PreparePool } from './preparePool.ts';

/**
 * The active model (the demo model until real weights are imported) wrapped in a pipeline; with
 * `prepareWorkers`, files are read and preprocessed on that many worker threads.
 */
export async function loadPipeline(
  options: { intraOpThreads?: number; maxBatch?: number; spinning?: boolean; layout?: ModelLayout; prepareWorkers?: number; prepareLimits?: { timeoutMs?: number; maxHeapMb?: number }; dicomLimits?: DicomLimits } = {},
): Promise<FindingsPipeline> {
  const active = await loadActiveModel();
  // The session loads on its worker thread while this thread loads the DICOM and preprocessing code: a
  // one-image command spends most of its start-up on these two, so they overlap.
  const model = FindingsModel.create({
    onnxPath: active.onnxPath,
    card: active.card,
    ...(options.intraOpThreads ? { intraOpThreads: options.intraOpThreads } : {}),
    ...(options.spinning !== undefined ? { spinning: options.spinning } : {}),
    ...(options.layout ? { layout: options.layout } : {}),
  });
  const [{ FindingsPipeline: Pipeline }, loaded] = await Promise.all([import('./findingsPipeline.ts'), model]);
  const preparePool = options.prepareWorkers ? PreparePool.create({
        resolution: active.card.input.resolution,
        size: options.prepareWorkers,
        ...(options.dicomLimits ? { limits: options.dicomLimits } : {}),
        ...options.prepareLimits,
      }) : undefined;
  return Pipeline.create(loaded, {
    ...(options.maxBatch ? { maxBatch: options.maxBatch } : {}),
    ...(preparePool ? { preparePool } : {}),
    ...(options.dicomLimits ? { dicomLimits: options.dicomLimits } : {}),
  });
}
