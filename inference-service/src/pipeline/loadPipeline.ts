import { FindingsModel, loadActiveModel } from '../model/index.ts';
import { FindingsPipeline } from './findingsPipeline.ts';

/** The active model (the demo model until real weights are imported) wrapped in a pipeline. */
export async function loadPipeline(options: { intraOpThreads?: number; maxBatch?: number; spinning?: boolean } = {}): Promise<FindingsPipeline> {
  const active = await loadActiveModel();
  const model = await FindingsModel.create({
    onnxPath: active.onnxPath,
    card: active.card,
    ...(options.intraOpThreads ? { intraOpThreads: options.intraOpThreads } : {}),
    ...(options.spinning !== undefined ? { spinning: options.spinning } : {}),
  });
  return FindingsPipeline.create(model, options.maxBatch ? { maxBatch: options.maxBatch } : {});
}
