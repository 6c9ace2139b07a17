#!/usr/bin/env -S node --max-semi-space-size=64 --initial-old-space-size=128
// The Node flags are npm start's and the Docker image's (a test holds the three equal): without the old-space
// floor, a folder's main heap of ~20 MB was marked every ~30 images, ~4 ms of V8's helper threads an image.
// What ships runs compiled JavaScript: set-up builds inference-service/dist with tsc. For development,
// `npx tsx inference-service/src/cli/main.ts` runs the sources as they are.
import { existsSync } from 'node:fs';
import module from 'node:module';

// Node ≥ 22.1 keeps V8's compiled code between runs, which is most of a short command's start-up.
module.enableCompileCache?.();

const main = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  console.error('cxr-findings: the product is not built yet: run `npm run setup` (it compiles inference-service/dist)');
  process.exit(1);
}
await import(main.href);
