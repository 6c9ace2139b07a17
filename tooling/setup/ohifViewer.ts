import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { viewerFileDefaults } from '../../inference-service/src/config/paths.ts';

/**
 * The viewer: the prebuilt OHIF app from the npm registry (its `dist/` is a complete static viewer; the
 * 3.13 sources need Node 24 and the OHIF monorepo to build) and our extension, built to one ES module.
 * The app is fetched with `npm pack` so its dependency tree (hundreds of MB) is never installed.
 */

const repoRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '../..');

export const ohifApp = {
  name: '@ohif/app',
  version: '3.13.2',
  /** The registry's integrity for the tarball, pinned: a different tarball under this version is refused. */
  integrity: 'sha512-WZdxmpmG7rqFgW9ZJLcbgr3XCtLi1KDNPoMaeY5PPe6j4G4fjEjjkycZM6C6Zk2F87BKxFfpq+jd5xXZB9E8EA==',
} as const;

/** Where the sidecar looks by default; the marker inside says which version is there. */
export const viewerDir = viewerFileDefaults.dir;
export const extensionDir = join(repoRoot, 'ohif-extension');
export const extensionFile = viewerFileDefaults.extensionFile;

/**
 * What the served viewer does without (checked by the browser tests): source maps (~38 MB), the
 * onnxruntime-web files for the segmentation mode's AI tools (~136 MB; they fetch their models from
 * the internet), and hosting files for Netlify and `serve`.
 */
const trimmed = {
  topLevel: ['ort', '_headers', '_redirects', 'serve.json'],
  suffixes: ['.map'],
} as const;

/** Written last: its presence (with this content) means the directory is complete. */
const completeMarker = '.complete.json';

function markerContent(): string {
  return JSON.stringify({ ...ohifApp, trimmed }, null, 2);
}

function isViewerComplete(): boolean {
  const marker = join(viewerDir, completeMarker);
  return existsSync(marker) && readFileSync(marker, 'utf8') === markerContent();
}

function sriOf(file: string): string {
  return `sha512-${createHash('sha512').update(readFileSync(file)).digest('base64')}`;
}

function removeTrimmed(dir: string): number {
  let removed = 0;
  for (const name of trimmed.topLevel) {
    const path = join(dir, name);
    if (existsSync(path)) {
      rmSync(path, { recursive: true, force: true });
      removed++;
    }
  }
  const walk = (current: string): void => {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      const path = join(current, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (trimmed.suffixes.some((suffix) => entry.name.endsWith(suffix))) {
        rmSync(path);
        removed++;
      }
    }
  };
  walk(dir);
  return removed;
}

function directorySize(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    total += entry.isDirectory() ? directorySize(path) : statSync(path).size;
  }
  return total;
}

/** Downloads, verifies and unpacks the viewer into `.cache/` unless it is already there. */
export function ensureOhifApp(): void {
  if (isViewerComplete()) return;
  const cacheDir = join(repoRoot, '.cache');
  mkdirSync(cacheDir, { recursive: true });
  const work = mkdtempSync(join(cacheDir, 'ohif-download-'));
  try {
    const spec = `${ohifApp.name}@${ohifApp.version}`;
    console.log(`setup: fetching ${spec} (the prebuilt viewer, ~50 MB) from the npm registry`);
    const packed = JSON.parse(
      execFileSync('npm', ['pack', spec, '--json', '--pack-destination', work], { cwd: work, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }),
    ) as Array<{ filename: string }>;
    const tarball = join(work, packed[0]?.filename ?? '');
    if (!packed[0] || !existsSync(tarball)) throw new Error(`setup: npm pack ${spec} produced no tarball in ${work}`);
    const actual = sriOf(tarball);
    if (actual !== ohifApp.integrity) {
      throw new Error(`setup: ${spec} tarball integrity mismatch: expected ${ohifApp.integrity}, got ${actual}`);
    }
    // Only the static viewer: the package's sources and manifest are of no use here.
    execFileSync('tar', ['-xzf', tarball, '-C', work, 'package/dist'], { stdio: 'inherit' });
    const unpacked = join(work, 'package', 'dist');
    removeTrimmed(unpacked);
    writeFileSync(join(unpacked, completeMarker), markerContent());
    // Another set-up (a parallel test run) may have finished first: keep its copy, it may be serving.
    if (isViewerComplete()) return;
    rmSync(viewerDir, { recursive: true, force: true });
    renameSync(unpacked, viewerDir);
    console.log(`setup: viewer ready in ${viewerDir} (${(directorySize(viewerDir) / 1e6).toFixed(0)} MB)`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * Builds the extension to one ES module the viewer imports at run time. OHIF hands the extension its
 * services, so nothing of OHIF or React is bundled; the build is ~10 ms, so it always runs.
 */
export async function buildOhifExtension(): Promise<string> {
  const outDir = join(extensionDir, 'dist');
  mkdirSync(outDir, { recursive: true });
  // Built beside the target and renamed, so a viewer being served never reads a half-written file.
  const partial = `${extensionFile}.${process.pid}.partial`;
  await build({
    entryPoints: [join(extensionDir, 'src', 'index.ts')],
    outfile: partial,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    legalComments: 'none',
    logLevel: 'warning',
  });
  renameSync(partial, extensionFile);
  return extensionFile;
}

export async function ensureOhifViewer(): Promise<void> {
  ensureOhifApp();
  await buildOhifExtension();
}
