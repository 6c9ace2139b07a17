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
import { cpuByGroup, threadCpuMs, threadsStartedBy } from './threadCpu.ts';

const sharedCxr = resolve(import.meta.dirname, '../../../shared/data/cxr');

/** Median and range of a few figures, as "median (min–max)". */
export function spread(values: readonly number[], digits = 1): string {
  const sorted = [...values].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)]!;
  return `${median.toFixed(digits)} (${sorted[0]!.toFixed(digits)}–${sorted.at(-1)!.toFixed(digits)})`;
}

/** A few batches in every lane, so that what modelOnly times (and the CPU counted around it) is steady state. */
async function warmUp(model: FindingsModel, tensor: Float32Array): Promise<void> {
  const batch = Array.from({ length: 8 }, () => tensor);
  await Promise.all(Array.from({ length: 2 * model.parallelRuns }, () => model.run(batch)));
}

/** The model alone at batch 8, `batches` batches with two per session queued at once (images/s). */
async function modelOnly(model: FindingsModel, tensor: Float32Array, batches: number): Promise<number> {
  const batch = Array.from({ length: 8 }, () => tensor);
  const t0 = performance.now();
  let started = 0;
  const lane = async () => {
    while (started < batches) {
      started += 1;
      await model.run(batch);
    }
  };
  await Promise.all(Array.from({ length: 2 * model.parallelRuns }, lane));
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
  return (await folderPipelineThreads(layout, prepareWorkers)).pipeline;
}

/** The same, with the threads its model and its prepare pool started, to tell their CPU apart. */
async function folderPipelineThreads(
  layout: ModelLayout,
  prepareWorkers: number | undefined,
): Promise<{ readonly pipeline: FindingsPipeline; readonly threads: { readonly model: ReadonlySet<string>; readonly prepare: ReadonlySet<string> } }> {
  const active = await loadActiveModel();
  const model = await threadsStartedBy(() => FindingsModel.create({ onnxPath: active.onnxPath, card: active.card, layout }));
  const pool = await threadsStartedBy(async () => (prepareWorkers ? PreparePool.create({ resolution: active.card.input.resolution, size: prepareWorkers }) : undefined));
  const pipeline = FindingsPipeline.create(model.value, { maxBatch: 8, ...(pool.value ? { preparePool: pool.value } : {}) });
  return { pipeline, threads: { model: model.tids, prepare: pool.tids } };
}

/** `run`'s CPU per image (ms) by group of threads, beside its rate. */
async function cpuPerImage<T>(images: number, groups: Readonly<Record<string, ReadonlySet<string>>>, run: () => Promise<T>): Promise<{ readonly value: T; readonly cpu: Record<string, number> }> {
  const before = await threadCpuMs();
  const value = await run();
  const used = cpuByGroup(before, await threadCpuMs(), groups);
  return { value, cpu: Object.fromEntries(Object.entries(used).map(([group, ms]) => [group, ms / images])) };
}

/**
 * Issue 12's folder figures, in one run: the model-only limit in both session layouts, and a folder of
 * 64 real 1024² images through the CLI's path, as a ratio of the better limit (target ≥ 0.85).
 */
export async function benchFolder(rounds = 5): Promise<void> {
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
    const throughput = await threadsStartedBy(() => FindingsModel.create({ onnxPath: active.onnxPath, card: active.card, layout: 'throughput' }));
    const { pipeline: cli, threads } = await folderPipelineThreads('throughput', availableParallelism());
    const before = await folderPipeline('latency', undefined);
    const figures = { latency: [] as number[], throughput: [] as number[], folder: [] as number[], before: [] as number[], ratio: [] as number[] };
    const cpu = { modelOnly: [] as number[], model: [] as number[], prepare: [] as number[], main: [] as number[], other: [] as number[] };
    // On Linux the main thread's id is the process's: told apart from V8's helper threads, which collect every isolate's garbage.
    const mainThread = new Set([String(process.pid)]);
    await folderPass(cli, dir);
    await folderPass(before, dir);
    // Interleaved rounds: the host's speed drifts, and each ratio is taken within one round. Five, not three:
    // on a host whose speed moved within seconds single rounds ran from 0.61 to 1.01, and three left the median to chance.
    for (let round = 0; round < rounds; round += 1) {
      await warmUp(latency, tensor);
      const l = await modelOnly(latency, tensor, 16);
      await warmUp(throughput.value, tensor);
      const t = await cpuPerImage(16 * 8, { model: throughput.tids }, () => modelOnly(throughput.value, tensor, 16));
      const f = await cpuPerImage(64, { ...threads, main: mainThread }, () => folderPass(cli, dir));
      figures.latency.push(l);
      figures.throughput.push(t.value);
      figures.folder.push(f.value);
      figures.before.push(await folderPass(before, dir));
      figures.ratio.push(f.value / Math.max(l, t.value));
      cpu.modelOnly.push(t.cpu.model!);
      cpu.model.push(f.cpu.model!);
      cpu.prepare.push(f.cpu.prepare!);
      cpu.main.push(f.cpu.main!);
      cpu.other.push(f.cpu.other!);
    }
    console.log(`\nFolder of 64 real 1024² DICOM files; model-only limits at batch 8; ${rounds} interleaved rounds, median (range):`);
    report([
      ['model only, one session × 2 threads (latency layout)', `${spread(figures.latency)} images/s`],
      ['model only, 2 sessions × 1 thread (throughput layout)', `${spread(figures.throughput)} images/s`],
      ['folder, CLI path (throughput layout, prepare on 2 worker threads)', `${spread(figures.folder)} images/s`],
      ['folder / the better model-only limit, per round', spread(figures.ratio, 2), '≥ 0.85'],
      ['folder, previous path (latency layout, prepare on the main thread)', `${spread(figures.before)} images/s`],
    ]);
    // Where the folder's time goes: on two busy cores the rate is about cores ÷ CPU per image, so each
    // thread group's CPU per image is its share of the gap to the model-only limit.
    console.log('\nCPU per image by thread (ms, median (range)), same rounds:');
    report([
      ['model only: the 2 sessions\' threads', spread(cpu.modelOnly)],
      ['folder: the same 2 sessions\' threads', spread(cpu.model)],
      ['folder: the 2 prepare workers (read, decode, preprocess)', spread(cpu.prepare)],
      ['folder: the main thread (files, batches, results)', spread(cpu.main)],
      ['folder: every other thread (V8\'s GC and compiler helpers, libuv)', spread(cpu.other)],
    ]);
    await Promise.all([latency.dispose(), throughput.value.dispose(), cli.dispose(), before.dispose()]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
