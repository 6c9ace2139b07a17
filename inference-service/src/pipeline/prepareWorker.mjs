// The prepare worker's entry when the product runs from its TypeScript sources (tsx, the tests): a
// worker does not inherit the loader of tsx or of the test runner, so it registers tsx itself and loads
// the TypeScript. The compiled product starts prepareInWorker.js directly (see preparePool.ts).
import { register } from 'tsx/esm/api';

register();
await import('./prepareInWorker.ts');
