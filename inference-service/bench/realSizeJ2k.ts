import { execFileSync, spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { readDicomImage } from '../src/dicom/index.ts';
import { writePart10 } from '../src/dicom/writePart10.ts';
import { folderPipeline, spread } from './folder.ts';
import { report } from './stats.ts';
import { newUid } from './syntheticDicom.ts';

const sharedCxr = resolve(import.meta.dirname, '../../../shared/data/cxr');
const size = { width: 2800, height: 2300 } as const;
const bits = 14;

function has(tool: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
}

/** A binary PGM (P5), 16-bit big-endian samples, maxval 2^bits − 1. */
function pgm(width: number, height: number, samples: ArrayLike<number>, maxval: number): Buffer {
  const header = Buffer.from(`P5\n${width} ${height}\n${maxval}\n`, 'latin1');
  const body = Buffer.alloc(width * height * 2);
  for (let i = 0; i < width * height; i++) body.writeUInt16BE(samples[i]!, 2 * i);
  return Buffer.concat([header, body]);
}

function readPgm16(bytes: Buffer): { width: number; height: number; samples: Uint16Array } {
  const text = bytes.subarray(0, 64).toString('latin1');
  const match = /^P5\s+(\d+)\s+(\d+)\s+(\d+)\s/.exec(text);
  if (!match) throw new Error('bench: pamscale wrote no 16-bit PGM');
  const [header, w, h] = match;
  const width = Number(w);
  const height = Number(h);
  const samples = new Uint16Array(width * height);
  for (let i = 0; i < samples.length; i++) samples[i] = bytes.readUInt16BE(header.length + 2 * i);
  return { width, height, samples };
}

/**
 * Eight real-size (2800×2300, 14-bit) JPEG 2000 lossless images made from the real SIIM image: scaled
 * to 14 bits, upscaled by netpbm's pamscale (bilinear), compressed by gdcm's gdcmconv --j2k. Their J2K
 * codestreams, taken out by dcmtk, are what opj_decompress decodes as the yardstick.
 */
export async function makeImages(dir: string): Promise<{ dicoms: string; codestreams: string[] }> {
  const real = await readDicomImage(await readFile(join(sharedCxr, 'siim-pa-jpeg-baseline.dcm')));
  const max = 2 ** bits - 1;
  const small = Uint16Array.from(real.frame.pixels, (v) => Math.round((v * max) / 255));
  await writeFile(join(dir, 'small.pgm'), pgm(real.frame.columns, real.frame.rows, small, max));
  const big = execFileSync('pamscale', ['-xsize', String(size.width), '-ysize', String(size.height), '-filter', 'triangle', join(dir, 'small.pgm')], {
    maxBuffer: 64 * 1024 * 1024,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const { width, height, samples } = readPgm16(big);
  const dicoms = join(dir, 'dicom');
  await mkdir(dicoms);
  const codestreams: string[] = [];
  for (let i = 0; i < 8; i++) {
    const native = join(dir, `native-${i}.dcm`);
    await writeFile(
      native,
      writePart10({
        SOPClassUID: '1.2.840.10008.5.1.4.1.1.1.1',
        SOPInstanceUID: newUid(),
        StudyInstanceUID: newUid(),
        SeriesInstanceUID: newUid(),
        Modality: 'DX',
        PatientName: 'Bench^RealSize',
        PatientID: 'BENCH-J2K',
        SamplesPerPixel: 1,
        PhotometricInterpretation: 'MONOCHROME2',
        Rows: height,
        Columns: width,
        BitsAllocated: 16,
        BitsStored: bits,
        HighBit: bits - 1,
        PixelRepresentation: 0,
        PixelData: [samples.buffer],
        _vrMap: { PixelData: 'OW' },
      }),
    );
    const j2k = join(dicoms, `j2k-${i}.dcm`);
    execFileSync('gdcmconv', ['--j2k', native, j2k]);
    const items = join(dir, `items-${i}`);
    await mkdir(items);
    execFileSync('dcmdump', ['+W', items, j2k], { stdio: 'ignore' });
    const fragments = (await readdir(items)).filter((f) => /\.\d+\.raw$/.test(f) && !f.endsWith('.0.raw'));
    fragments.sort((a, b) => Number(/\.(\d+)\.raw$/.exec(a)![1]) - Number(/\.(\d+)\.raw$/.exec(b)![1]));
    const codestream = join(dir, `codestream-${i}.j2k`);
    await writeFile(codestream, Buffer.concat(await Promise.all(fragments.map((f) => readFile(join(items, f))))));
    codestreams.push(codestream);
  }
  return { dicoms, codestreams };
}

/** OpenJPEG's own decoder over the codestreams, one after another, images/s. */
function opjRate(dir: string, codestreams: readonly string[], threads: number): number {
  const t0 = performance.now();
  for (const [i, codestream] of codestreams.entries()) {
    execFileSync('opj_decompress', ['-threads', String(threads), '-i', codestream, '-o', join(dir, `out-${i}.rawl`)], { stdio: 'ignore' });
  }
  return (codestreams.length * 1000) / (performance.now() - t0);
}

/**
 * Issue 12's real-size figure: 8 JPEG 2000 lossless 2800×2300 14-bit images through the CLI's folder
 * path, against `opj_decompress -threads 1` of the same codestreams in the same run (target ≥ 1.5), with
 * how many cores the pipeline kept busy.
 */
export async function benchRealSizeJ2k(): Promise<void> {
  const missing = ['pamscale', 'gdcmconv', 'dcmdump', 'opj_decompress'].filter((tool) => !has(tool));
  if (missing.length) {
    console.log(`Not run: needs ${missing.join(', ')} (Debian netpbm, libgdcm-tools, dcmtk, libopenjp2-tools; \`npm run setup -- --for-tests\`).`);
    return;
  }
  const dir = await mkdtemp(join(tmpdir(), 'cxr-bench-j2k-'));
  try {
    const { dicoms, codestreams } = await makeImages(dir);
    const pipeline = await folderPipeline('throughput', availableParallelism());
    const pipelineRates: number[] = [];
    const opjRates: number[] = [];
    const ratios: number[] = [];
    const coresBusy: number[] = [];
    const decodeMs: number[] = [];
    await pipelinePass(pipeline, dicoms, decodeMs);
    for (let round = 0; round < 2; round += 1) {
      const opj = opjRate(dir, codestreams, 1);
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      const rate = await pipelinePass(pipeline, dicoms, decodeMs);
      const cpu = process.cpuUsage(cpu0);
      coresBusy.push((cpu.user + cpu.system) / 1000 / (performance.now() - t0));
      opjRates.push(opj);
      pipelineRates.push(rate);
      ratios.push(rate / opj);
    }
    const opj2 = opjRate(dir, codestreams, 2);
    console.log('\n8 JPEG 2000 lossless images, 2800×2300 14-bit, 2 rounds, median (range):');
    report([
      ['opj_decompress -threads 1, one after another (yardstick)', `${spread(opjRates, 2)} images/s`],
      ['  (opj_decompress -threads 2, for reference)', `${opj2.toFixed(2)} images/s`],
      ['pipeline: CLI folder path, decode + preprocess + model', `${spread(pipelineRates, 2)} images/s`],
      ['pipeline / opj_decompress -threads 1, per round', spread(ratios, 2), '≥ 1.5'],
      ['cores busy during the pipeline pass (process CPU time / wall time)', spread(coresBusy, 2)],
      ['decode per image on a worker (OpenJPEG WASM), median', `${spread(decodeMs, 0)} ms`],
    ]);
    await pipeline.dispose();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function pipelinePass(pipeline: Awaited<ReturnType<typeof folderPipeline>>, dir: string, decodeMs: number[]): Promise<number> {
  const files = (await readdir(dir)).map((f) => join(dir, f));
  const t0 = performance.now();
  async function* chunks(): AsyncGenerator<Uint8Array[]> {
    // Two files per chunk: eight 2800×2300 images are four model batches, and the prepare workers start on the next chunk at once.
    for (let start = 0; start < files.length; start += 2) yield await Promise.all(files.slice(start, start + 2).map((f) => readFile(f)));
  }
  for await (const outcomes of pipeline.classifyChunks(chunks())) {
    for (const outcome of outcomes) {
      if (!outcome.ok) throw new Error(`bench: a real-size image failed: ${outcome.error.message}`);
      decodeMs.push(outcome.result.timingsMs.decode);
    }
  }
  return (files.length * 1000) / (performance.now() - t0);
}
