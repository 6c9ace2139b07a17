/**
 * `npm run bench`: the product's speed, measured on this machine. Figures go into issue notes; nothing
 * here asserts a time (tests assert behaviour).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { binFlags, startFlags } from '../../tooling/startFlags.ts';

const only = process.argv.slice(2);
const shippedFlagsEnv = 'CXR_BENCH_SHIPPED_FLAGS';
/** This process is the child a sidecar section started with npm start's flags: it runs that section only. */
const inShippedChild = process.env[shippedFlagsEnv] === '1';
// Each section's modules are loaded only when it runs: a sidecar section's heap then holds the sidecar and
// not the viewer section's Playwright (34 MB of heap), which every full collection of the sidecar marked.
const sections: Record<string, () => Promise<void>> = {
  core: async () => (await import('./core.ts')).benchCore(),
  startup: async () => (await import('./startup.ts')).benchStartup(),
  folder: asShipped('folder', async () => (await import('./folder.ts')).benchFolder(), 'cli'),
  j2k: async () => (await import('./realSizeJ2k.ts')).benchRealSizeJ2k(),
  import: async () => (await import('./importer.ts')).benchImport(),
  sidecar: asShipped('sidecar', async () => (await import('./sidecar.ts')).benchSidecar()),
  'sidecar-requests': asShipped('sidecar-requests', async () => (await import('./sidecar.ts')).benchSidecar(['requests'])),
  'sidecar-arrivals': asShipped('sidecar-arrivals', async () => (await import('./sidecar.ts')).benchSidecar(['arrivals'])),
  viewer: async () => (await import('./viewer.ts')).benchViewer(),
  scale: async () => (await import('./scale.ts')).benchScale(),
};

/** Where each shipped thing's Node flags are written. */
const shippedFlags = {
  sidecar: { read: startFlags, source: "npm start's" },
  cli: { read: binFlags, source: "the cxr-findings command's" },
} as const;

/**
 * The sidecar sections run the sidecar in this process, and the folder section the CLI's path, so they run
 * in a child with the Node flags what they measure ships with (`npm start` and the Docker image's CMD for
 * the sidecar, the `cxr-findings` command's `#!` line for the CLI): without them the bench measured a
 * heap that marks more often than the product's.
 */
function asShipped(section: string, run: () => Promise<void>, what: keyof typeof shippedFlags = 'sidecar'): () => Promise<void> {
  if (inShippedChild) return run;
  return async () => {
    const repoRoot = resolve(import.meta.dirname, '../..');
    const flags = await shippedFlags[what].read(repoRoot);
    console.log(`(the ${what} runs with ${shippedFlags[what].source} Node flags: ${flags.join(' ') || 'none'})`);
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
