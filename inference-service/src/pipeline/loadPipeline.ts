import { loadActiveModel } from '../model/activeModel.ts';
import { FindingsModel } from '../model/findingsModel.ts';
import type { FindingsPipeline } from './findingsPipeline.ts';

/** The active model (the demo model until real weights are imported) wrapped in a pipeline. */
export async function loadPipeline(options: { intraOpThreads?: number; maxBatch?: number; spinning?: boolean } = {}): Promise<FindingsPipeline> {
  const active = await loadActiveModel();
  // The session loads on its worker thread while this thread loads the DICOM and preprocessing code: a
  // one-image command spends most of its start-up on these two, so they overlap.
  const model = FindingsModel.create({
    onnxPath: active.onnxPath,
    card: active.card,
    ...(options.intraOpThreads ? { intraOpThreads: options.intraOpThreads } : {}),
    ...(options.spinning !== undefined ? { spinning: options.spinning } : {}),
  });
  const [{ FindingsPipeline: Pipeline }, loaded] = await Promise.all([import('./findingsPipeline.ts'), model]);
  return Pipeline.create(loaded, options.maxBatch ? { maxBatch: options.maxBatch } : {});
}
