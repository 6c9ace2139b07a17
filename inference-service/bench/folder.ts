import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { collectFiles } from '../src/cli/collectFiles.ts';
import { FindingsModel, loadActiveModel } from '../src/model/index.ts';
import type { ModelLayout } from '../src/model/index.ts';
import { FindingsPipeline } from '../src/pipeline/findingsPipeline.ts';
import { PreparePool } from '../src/pipeline/preparePool.ts';
import { readDicomImage } from '../src/dicom/index.ts';
import { prepareFrameInput } from '../src/xray/index.ts';
import { report } from './stats.ts';

const sharedCxr = resolve(import.meta.dirname, '../../../shared/data/cxr');

/** Median and range of a few figures, as "median (min–max)". */
export function spread(values: readonly number[], digits = 1): string {
  const sorted = [...values].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)]!;
  return `${median.toFixed(digits)} (${sorted[0]!.toFixed(digits)}–${sorted.at(-1)!.toFixed(digits)})`;
}

/** The model alone at batch 8, with `inFlight` batches queued at once (images/s). */
async function modelOnly(model: FindingsModel, tensor: Float32Array, batches: number): Promise<number> {
  const batch = Array.from({ length: 8 }, () => tensor);
  const inFlight = 2 * model.parallelRuns;
  await Promise.all(Array.from({ length: inFlight }, () => model.run(batch)));
  const t0 = performance.now();
  let started = 0;
  const lane = async () => {
    while (started < batches) {
      started += 1;
      await model.run(batch);
    }
  };
  await Promise.all(Array.from({ length: inFlight }, lane));
  return (batches * 8 * 1000) / (performance.now() - t0);
}

/** A folder through the CLI's own path (walk, read, prepare, batched runs), images/s. */
export async function folderPass(pipeline: FindingsPipeline, dir: string): Promise<number> {
  const t0 = performance.now();
  const { files } = await collectFiles([dir]);
  async function* chunks(): AsyncGenerator<Uint8Array[]> {
    for (let start = 0; start < files.length; start += 8) yield await Promise.all(files.slice(start, start + 8).map((f) => readFile(f)));
  }
  for await (const outcomes of pipeline.classifyChunks(chunks())) {
    const failed = outcomes.find((o) => !o.ok);
    if (failed && !failed.ok) throw new Error(`bench: an image failed to classify: ${failed.error.message}`);
  }
  return (files.length / (performance.now() - t0)) * 1000;
}

/** The pipeline the CLI builds for a folder: the 'throughput' layout and one prepare worker per core. */
export async function folderPipeline(layout: ModelLayout, prepareWorkers: number | undefined): Promise<FindingsPipeline> {
  const active = await loadActiveModel();
  const model = await FindingsModel.create({ onnxPath: active.onnxPath, card: active.card, layout });
  const preparePool = prepareWorkers ? PreparePool.create({ resolution: active.card.input.resolution, size: prepareWorkers }) : undefined;
  return FindingsPipeline.create(model, { maxBatch: 8, ...(preparePool ? { preparePool } : {}) });
}

/**
 * Issue 12's folder figures, in one run: the model-only limit in both session layouts, and a folder of
 * 64 real 1024² images through the CLI's path, as a ratio of the better limit (target ≥ 0.85).
 */
export async function benchFolder(): Promise<void> {
  const active = await loadActiveModel();
  console.log(`Model: ${active.card.id} (${active.card.kind}), ${availableParallelism()} cores`);
  const real = await readDicomImage(await readFile(join(sharedCxr, 'siim-pa-jpeg-baseline.dcm')));
  const tensor = prepareFrameInput(real.frame, active.card.input.resolution).tensor;
  const dir = await mkdtemp(join(tmpdir(), 'cxr-bench-folder-'));
  try {
    for (let i = 0; i < 64; i += 1) {
      const source = i % 2 === 0 ? 'siim-pa-jpeg-baseline.dcm' : 'siim-pa-monochrome1-jpeg-baseline.dcm';
      await copyFile(join(sharedCxr, source), join(dir, `image-${String(i).padStart(3, '0')}.dcm`));
    }
    const latency = await FindingsModel.create({ onnxPath: active.onnxPath, card: active.card, layout: 'latency' });
    const throughput = await FindingsModel.create({ onnxPath: active.onnxPath, card: active.card, layout: 'throughput' });
    const cli = await folderPipeline('throughput', availableParallelism());
    const before = await folderPipeline('latency', undefined);
    const figures = { latency: [] as number[], throughput: [] as number[], folder: [] as number[], before: [] as number[], ratio: [] as number[] };
    await folderPass(cli, dir);
    await folderPass(before, dir);
    // Interleaved rounds: the host's speed drifts, and each ratio is taken within one round.
    for (let round = 0; round < 3; round += 1) {
      const l = await modelOnly(latency, tensor, 16);
      const t = await modelOnly(throughput, tensor, 16);
      const f = await folderPass(cli, dir);
      figures.latency.push(l);
      figures.throughput.push(t);
      figures.folder.push(f);
      figures.before.push(await folderPass(before, dir));
      figures.ratio.push(f / Math.max(l, t));
    }
    console.log('\nFolder of 64 real 1024² DICOM files; model-only limits at batch 8; 3 interleaved rounds, median (range):');
    report([
      ['model only, one session × 2 threads (latency layout)', `${spread(figures.latency)} images/s`],
      ['model only, 2 sessions × 1 thread (throughput layout)', `${spread(figures.throughput)} images/s`],
      ['folder, CLI path (throughput layout, prepare on 2 worker threads)', `${spread(figures.folder)} images/s`],
      ['folder / the better model-only limit, per round', spread(figures.ratio, 2), '≥ 0.85'],
      ['folder, previous path (latency layout, prepare on the main thread)', `${spread(figures.before)} images/s`],
    ]);
    await Promise.all([latency.dispose(), throughput.dispose(), cli.dispose(), before.dispose()]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
