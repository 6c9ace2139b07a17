// A worker thread of the prepare pool (preparePool.ts). Plain JavaScript: a worker does not inherit the
// TypeScript loader of tsx or of the test runner. Built (inference-service/dist), the task is compiled
// JavaScript beside this file; run from the sources, tsx's loader is registered here for it.
import { existsSync } from 'node:fs';

const compiled = new URL('./prepareTask.js', import.meta.url);
let task = compiled;
if (!existsSync(compiled)) {
  const { register } = await import('tsx/esm/api');
  register();
  task = new URL('./prepareTask.ts', import.meta.url);
}
const { default: prepareTask } = await import(task.href);

export default prepareTask;
