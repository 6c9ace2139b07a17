// A thread that reads and preprocesses DICOM files for the pipeline (see preparePool.ts). Plain
// JavaScript: a worker does not inherit the TypeScript loader of tsx or of the test runner, so it
// registers tsx itself (a dependency of the package, as for the CLI's bin) and loads the TypeScript.
import { register } from 'tsx/esm/api';

register();
await import('./prepareInWorker.ts');
