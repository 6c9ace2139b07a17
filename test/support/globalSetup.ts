/**
 * Once per test run: the compiled product, and the labelled demo model in a directory of the tests' own, so no test depends on
 * the model a developer imported into `models/` (the product reads `CXR_MODELS_DIR`, set in vitest.config.ts).
 */
import { ensureActiveModel } from '../../tooling/setup/activeModel.ts';
import { buildProduct } from '../../tooling/setup/buildProduct.ts';
import { testModelsDir } from './testModels.ts';

export default async function setup(): Promise<void> {
  // Suites that spawn the CLI or the server run the compiled product, as a user does: never a stale one.
  buildProduct();
  await ensureActiveModel(testModelsDir);
}
