/**
 * Where the product finds its files in a checkout or an image: both keep the repository's layout
 * (`models/`, `ohif-extension/`, `.cache/` beside `inference-service/`), so one root serves both. The
 * compiled output (`inference-service/dist/`) sits at the same depth as `src/`.
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const productRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** The committed model cards: what the published models are, whatever is active here. */
export const cardsDir = join(productRoot, 'models');

/**
 * The ONNX files and `active.json` that set-up or import make: beside the cards unless `CXR_MODELS_DIR`
 * moves them (the tests use their own, so nothing depends on the model a developer imported).
 */
export const modelsDirEnv = 'CXR_MODELS_DIR';
export const modelsDir = process.env[modelsDirEnv] ? resolve(process.env[modelsDirEnv]) : cardsDir;

/** The viewer's files when the environment does not name them: where the set-up puts them. */
export const viewerFileDefaults = Object.freeze({
  dir: join(productRoot, '.cache', 'ohif-viewer'),
  extensionFile: join(productRoot, 'ohif-extension', 'dist', 'cxr-findings.mjs'),
});
