/**
 * Brings a fresh clone to a runnable state, idempotently: Debian packages, an active model (the
 * labelled demo model when no real one was imported), the compiled product, and the prebuilt viewer.
 * `--for-tests` also installs the tools the test suite drives.
 */
import { ensureActiveModel } from '../tooling/setup/activeModel.ts';
import { ensureDebianPackages, productPackages, testPackages } from '../tooling/setup/debianPackages.ts';
import { buildProduct } from '../tooling/setup/buildProduct.ts';
import { ensureOhifViewer } from '../tooling/setup/ohifViewer.ts';

const forTests = process.argv.includes('--for-tests');

ensureDebianPackages(forTests ? [...productPackages, ...testPackages] : productPackages);
buildProduct();
await ensureActiveModel();
await ensureOhifViewer();
