/**
 * `npm run bench`: the product's speed, measured on this machine. Figures go into issue notes; nothing
 * here asserts a time (tests assert behaviour).
 */
import { benchCore } from './core.ts';
import { benchFolder } from './folder.ts';
import { benchRealSizeJ2k } from './realSizeJ2k.ts';
import { benchScale } from './scale.ts';
import { benchImport } from './importer.ts';
import { benchSidecar } from './sidecar.ts';
import { benchStartup } from './startup.ts';
import { benchViewer } from './viewer.ts';

const only = process.argv.slice(2);
const sections: Record<string, () => Promise<void>> = {
  core: benchCore,
  startup: benchStartup,
  folder: benchFolder,
  j2k: benchRealSizeJ2k,
  import: benchImport,
  sidecar: () => benchSidecar(),
  'sidecar-requests': () => benchSidecar(['requests']),
  'sidecar-arrivals': () => benchSidecar(['arrivals']),
  viewer: benchViewer,
  scale: benchScale,
};

// `npm run bench -- core viewer` runs those sections; without arguments all but the split sidecar ones.
for (const [name, run] of Object.entries(sections)) {
  if (only.length ? !only.includes(name) : name.startsWith('sidecar-')) continue;
  console.log(`\n=== ${name} ===`);
  await run();
}
