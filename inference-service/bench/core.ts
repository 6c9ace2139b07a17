import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { computeCams, readClassifierWeight } from '../src/cam/index.ts';
import { readDicomImage } from '../src/dicom/index.ts';
import { FindingsModel, loadActiveModel } from '../src/model/index.ts';
import { prepareFrameInput, prepareModelInput, toXrvScale } from '../src/xray/index.ts';
import { makeLargeDx } from './syntheticDicom.ts';
import { ms, report, summarize, timeRuns } from './stats.ts';

const sharedCxr = resolve(import.meta.dirname, '../../../shared/data/cxr');

/** Issue 2's figures: decode, preprocess and inference per image, and a folder through the whole path. */
export async function benchCore(): Promise<void> {
  const active = await loadActiveModel();
  console.log(`Model: ${active.card.id} (${active.card.kind})`);
  const realBytes = await readFile(join(sharedCxr, 'siim-pa-jpeg-baseline.dcm'));
  const realImage = await readDicomImage(realBytes);
  const largeBytes = makeLargeDx({ width: realImage.frame.columns, height: realImage.frame.rows, pixels: realImage.frame.pixels }, 3000);

  for (const threads of [2]) {
    // The default (sleeping threads) and CXR_ORT_SPINNING=on (a lone image a little sooner on a quiet host).
    const model = await FindingsModel.create({ onnxPath: active.onnxPath, card: active.card, intraOpThreads: threads });
    const spinningModel = await FindingsModel.create({ onnxPath: active.onnxPath, card: active.card, intraOpThreads: threads, spinning: true });
    const resolution = active.card.input.resolution;
    for (const [name, bytes] of [
      ['real 1024² JPEG baseline 8-bit', realBytes],
      ['3000² native 16-bit (BitsStored 12)', largeBytes],
    ] as const) {
      const image = await readDicomImage(bytes);
      const xrv = toXrvScale(image.frame);
      const input = prepareFrameInput(image.frame, resolution);
      const decode = await timeRuns(20, () => readDicomImage(bytes));
      // What the pipeline runs: scaling, crop and resize straight from the stored values.
      const preprocess = await timeRuns(20, () => prepareFrameInput(image.frame, resolution));
      // The same in upstream's two steps, for comparison: the full-size scaled image, then crop + resize.
      const scale = await timeRuns(20, () => toXrvScale(image.frame));
      const resize = await timeRuns(20, () => prepareModelInput(xrv, resolution));
      const infer1 = await timeRuns(20, () => model.run([input.tensor]));
      const infer1Spinning = await timeRuns(20, () => spinningModel.run([input.tensor]));
      const batch8 = Array.from({ length: 8 }, () => input.tensor);
      const infer8 = await timeRuns(10, () => model.run(batch8));
      const total1 = decode.median + preprocess.median + infer1.median;
      const total1Spinning = decode.median + preprocess.median + infer1Spinning.median;
      const total8 = decode.median + preprocess.median + infer8.median / 8;
      console.log(`\n${name} (${image.frame.columns}×${image.frame.rows}), ${threads} threads, medians:`);
      report([
        ['decode (read Part-10 + first frame)', ms(decode.median)],
        ['preprocess: scaling + crop + resize to 224', ms(preprocess.median), name.startsWith('real') ? '≤ 10 ms' : '≤ 25 ms'],
        ['  (as two steps: read_xray_dcm scaling', ms(scale.median)],
        ['   then crop + resize)', ms(resize.median)],
        ['inference, batch 1', ms(infer1.median)],
        ['inference, batch 1, threads spinning (CXR_ORT_SPINNING=on)', ms(infer1Spinning.median)],
        ['inference, batch 8, per image', ms(infer8.median / 8)],
        ['decode + preprocess + inference, batch 1', ms(total1), name.startsWith('real') ? '≤ 40 ms' : undefined],
        ['decode + preprocess + inference, batch 1, spinning', ms(total1Spinning)],
        ['decode + preprocess + inference, batch 8, per image', ms(total8)],
      ]);
    }
    await benchCams(model, prepareFrameInput(realImage.frame, resolution), realImage.frame);
    await model.dispose();
    await spinningModel.dispose();
  }

  comparePython(join(sharedCxr, 'siim-pa-jpeg-baseline.dcm'), 'same image', 10);
  // The 3000² image through scikit-image too: the preprocessing figure against the code it replaces, same run.
  const largeDir = await mkdtemp(join(tmpdir(), 'cxr-bench-large-'));
  try {
    await writeFile(join(largeDir, 'large.dcm'), largeBytes);
    comparePython(join(largeDir, 'large.dcm'), '3000² native 16-bit', 3);
  } finally {
    await rm(largeDir, { recursive: true, force: true });
  }
  // A folder through the CLI's path, and the model-only limits: the 'folder' section (folder.ts).
}

/**
 * The Python pipeline this replaces (pydicom, skimage, PyTorch), on the same machine and image, when Debian's
 * python3-torch, -skimage and -pydicom are installed; a developer's machine may not have them, CI need not.
 */
function comparePython(file: string, label: string, runs: number): void {
  const script = resolve(import.meta.dirname, 'python_baseline.py');
  const result = spawnSync('/usr/bin/python3', [script, file, String(runs)], { encoding: 'utf8' });
  if (result.status !== 0) {
    console.log(`\nPython baseline not run on the ${label} (needs Debian python3-torch, python3-skimage, python3-pydicom).`);
    return;
  }
  const python = JSON.parse(result.stdout) as { decode: number; preprocess: number; inference: number };
  const total = python.decode + python.preprocess + python.inference;
  console.log(`\nThe Python pipeline it replaces (pydicom + skimage + PyTorch 2 threads), ${label}, batch 1, medians:`);
  report([
    ['decode', ms(python.decode)],
    ['preprocess', ms(python.preprocess)],
    ['inference', ms(python.inference)],
    ['total', ms(total)],
  ]);
}

/** What --cam adds per image: fetching the feature maps from the model, and the maps of all 18 findings. */
async function benchCams(model: FindingsModel, input: ReturnType<typeof prepareFrameInput>, frame: { columns: number; rows: number }): Promise<void> {
  const weight = readClassifierWeight(await readFile(model.onnxPath), model.onnxPath);
  // Interleaved pairs: the difference of two separate medians drowns in the forward pass's own jitter.
  const extra: number[] = [];
  for (let i = 0; i < 33; i += 1) {
    const t0 = performance.now();
    await model.run([input.tensor]);
    const t1 = performance.now();
    await model.run([input.tensor], { featureMaps: true });
    if (i >= 3) extra.push(performance.now() - t1 - (t1 - t0));
  }
  const featureMapsMs = summarize(extra).median;
  const output = await model.run([input.tensor], { featureMaps: true });
  const maps = output.featureMaps?.[0];
  if (!maps) throw new Error('bench: the model returned no feature maps');
  const cams = await timeRuns(50, () => computeCams(maps, weight, input.crop, { width: frame.columns, height: frame.rows }));
  console.log('\nClass activation maps (--cam), real 1024² image, all 18 findings, medians:');
  report([
    ['model run with feature maps − without (median of 30 pairs)', ms(featureMapsMs)],
    ['18 maps: peak and region in original pixels', ms(cams.median)],
    ['added per image', ms(featureMapsMs + cams.median), '≤ 5 ms'],
  ]);
}
