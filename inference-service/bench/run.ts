/**
 * `npm run bench`: the product's speed, measured on this machine. Figures go into issue notes; nothing
 * here asserts a time (tests assert behaviour).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { startFlags } from '../../tooling/startFlags.ts';
import { benchCore } from './core.ts';
import { benchFolder } from './folder.ts';
import { benchRealSizeJ2k } from './realSizeJ2k.ts';
import { benchScale } from './scale.ts';
import { benchImport } from './importer.ts';
import { benchSidecar } from './sidecar.ts';
import { benchStartup } from './startup.ts';
import { benchViewer } from './viewer.ts';

const only = process.argv.slice(2);
const shippedFlagsEnv = 'CXR_BENCH_SHIPPED_FLAGS';
/** This process is the child a sidecar section started with npm start's flags: it runs that section only. */
const inShippedChild = process.env[shippedFlagsEnv] === '1';
const sections: Record<string, () => Promise<void>> = {
  core: benchCore,
  startup: benchStartup,
  folder: benchFolder,
  j2k: benchRealSizeJ2k,
  import: benchImport,
  sidecar: asShipped('sidecar', () => benchSidecar()),
  'sidecar-requests': asShipped('sidecar-requests', () => benchSidecar(['requests'])),
  'sidecar-arrivals': asShipped('sidecar-arrivals', () => benchSidecar(['arrivals'])),
  viewer: benchViewer,
  scale: benchScale,
};

/**
 * The sidecar sections run the sidecar in this process, so they run in a child with the Node flags the
 * sidecar ships with (`npm start`, the Docker image's CMD): its young generation is sized for an image's
 * objects, and without it the bench measured a heap that marks more often than the product's.
 */
function asShipped(section: string, run: () => Promise<void>): () => Promise<void> {
  if (inShippedChild) return run;
  return async () => {
    const repoRoot = resolve(import.meta.dirname, '../..');
    const flags = await startFlags(repoRoot);
    console.log(`(the sidecar runs with npm start's Node flags: ${flags.join(' ') || 'none'})`);
    const tsx = resolve(repoRoot, 'node_modules/.bin/tsx');
    const child = spawn(tsx, [...flags, import.meta.filename, section], { stdio: 'inherit', env: { ...process.env, [shippedFlagsEnv]: '1' } });
    const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
    if (code !== 0) throw new Error(`bench section ${section} failed (${signal ?? `exit ${code}`})`);
  };
}

// `npm run bench -- core viewer` runs those sections; without arguments all but the split sidecar ones.
for (const [name, run] of Object.entries(sections)) {
  if (only.length ? !only.includes(name) : name.startsWith('sidecar-')) continue;
  if (!inShippedChild) console.log(`\n=== ${name} ===`);
  await run();
}
