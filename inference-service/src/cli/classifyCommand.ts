import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import type { ClassifierWeight, FindingCam } from '../cam/index.ts';
import { modelLayouts, type ModelLayout } from '../model/modelLayout.ts';
import { loadPipeline } from '../pipeline/loadPipeline.ts';
import type { ClassifiedImage } from '../pipeline/findingsPipeline.ts';
import { collectFiles } from './collectFiles.ts';
import { orthancClientFrom } from './orthancFromEnv.ts';
import { formatFindingsLine, formatFindingsTable } from './findingsTable.ts';
import { startProgress } from './progress.ts';

export const classifyUsage = `cxr-findings classify <files or folders> [options]
cxr-findings classify --pacs [--study UID | --since YYYYMMDD --until YYYYMMDD] [--url URL]

Classifies chest X-ray DICOM files with the active model and prints the 18 findings. With --pacs it
classifies what is in Orthanc instead — one study, or every image that has no SR of this model yet —
and stores one SR per image there, as the sidecar does (Orthanc from CXR_ORTHANC_URL and its
credentials, or those \`npm start\` keeps in CXR_DATA_DIR). This is the backfill: auto-classify only
follows what arrives after the sidecar first starts. It says how many studies and images it found
before it starts, and shows progress.

  --since DATE     with --pacs: only studies with a StudyDate on or after DATE (YYYYMMDD)
  --until DATE     with --pacs: only studies with a StudyDate on or before DATE

  --out DIR        write one JSON per image (findings, model, UIDs, timings) into DIR
  --sr DIR         write per image into DIR the DICOM objects the sidecar stores: NAME.tid1500.dcm (the AI
                   result, TID 1500, with the regions), NAME.sr.dcm (the readable report, TID 2000) and,
                   when a finding is positive, NAME.heatmaps.dcm (its CAMs as a Parametric Map)
  --json           print the results as JSON lines instead of tables
  --batch N        images per model run (default 8)
  --threads N      model threads (default 2)
  --layout L       'latency' (one model session with all threads) or 'throughput' (one session per
                   thread, several images at once); default: throughput for several files, latency for one
  --cam            add class activation maps: per finding, the peak and the region above half of the
                   map's range, in the original image's pixel coordinates
  --cam-png DIR    also write heat-map overlays of the three most probable findings into DIR (implies --cam)
  --no-eligibility classify even images whose header says they are not frontal chest radiographs`;

/** Per finding label: where the model looked, in original-image pixels. */
function camDocument(cams: readonly FindingCam[], labels: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(
    cams.map((cam) => [
      labels[cam.finding] ?? String(cam.finding),
      { peak: cam.peak, region: { x0: cam.region.x0, y0: cam.region.y0, x1: cam.region.x1, y1: cam.region.y1, level: cam.region.level } },
    ]),
  );
}

/** The JSON written per image: the flat label → probability map under `findings`, as the Python scripts wrote. */
function resultDocument(file: string, image: ClassifiedImage, cams?: Record<string, unknown>): Record<string, unknown> {
  const { result } = image;
  return {
    file,
    findings: result.findings,
    model: result.model,
    ...(result.model.warning ? { warning: result.model.warning } : {}),
    StudyInstanceUID: result.StudyInstanceUID,
    SeriesInstanceUID: result.SeriesInstanceUID,
    SOPInstanceUID: result.SOPInstanceUID,
    timingsMs: result.timingsMs,
    ...(cams ? { cams } : {}),
  };
}

function topFindings(probabilities: Record<string, number>, labels: readonly string[], count: number): number[] {
  return labels
    .map((label, index) => ({ index, p: probabilities[label] ?? 0 }))
    .sort((a, b) => b.p - a.p)
    .slice(0, count)
    .map((f) => f.index);
}

function chunkFiles(files: readonly string[], size: number): string[][] {
  const chunks: string[][] = [];
  for (let start = 0; start < files.length; start += size) chunks.push(files.slice(start, start + size));
  return chunks;
}

/** Reads a chunk only when the pipeline asks for it, so a large folder is never all in memory. */
async function* readChunks(chunks: readonly string[][]): AsyncGenerator<Uint8Array[]> {
  for (const chunk of chunks) yield await Promise.all(chunk.map((f) => readFile(f)));
}

async function runInPacs(options: { threads: number; batch: number; study?: string; url?: string; since?: string; until?: string }): Promise<number> {
  const orthanc = await orthancClientFrom(process.env, options.url);
  const pipeline = await loadPipeline({ intraOpThreads: options.threads, maxBatch: options.batch });
  const { classifyInPacs } = await import('./classifyInPacs.ts');
  const { card } = pipeline.model;
  console.error(`Model: ${card.id} (${card.kind}); Orthanc: ${orthanc.url}`);
  if (card.warning) console.error(`WARNING: ${card.warning}`);
  try {
    const counts = await classifyInPacs({
      pipeline,
      orthanc,
      ...(options.study ? { studyInstanceUID: options.study } : {}),
      studyDates: { ...(options.since ? { since: options.since } : {}), ...(options.until ? { until: options.until } : {}) },
      out: (line) => console.log(line),
      err: (line) => console.error(line),
    });
    console.error(
      `${counts.classified} image(s) classified and their SRs stored, ${counts.alreadyClassified} already had an SR of this model, ` +
        `${counts.skipped} skipped (not eligible)${counts.notStored ? `, ${counts.notStored} classified but their SRs NOT stored` : ''}` +
        `${counts.failedStudies ? `, ${counts.failedStudies} stud(ies) failed` : ''}.`,
    );
    return counts.failedStudies > 0 || counts.notStored > 0 || (options.study !== undefined && counts.classified + counts.alreadyClassified === 0) ? 1 : 0;
  } finally {
    await pipeline.model.dispose();
  }
}

export async function runClassifyCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      out: { type: 'string' },
      json: { type: 'boolean', default: false },
      batch: { type: 'string', default: '8' },
      threads: { type: 'string', default: '2' },
      layout: { type: 'string' },
      'no-eligibility': { type: 'boolean', default: false },
      cam: { type: 'boolean', default: false },
      'cam-png': { type: 'string' },
      sr: { type: 'string' },
      pacs: { type: 'boolean', default: false },
      study: { type: 'string' },
      since: { type: 'string' },
      until: { type: 'string' },
      url: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help || (positionals.length === 0 && !values.pacs)) {
    console.log(classifyUsage);
    return values.help ? 0 : 2;
  }
  const batch = Number(values.batch);
  const threads = Number(values.threads);
  if (!Number.isInteger(batch) || batch < 1) throw new Error(`--batch must be a positive integer, got '${values.batch}'`);
  if (!Number.isInteger(threads) || threads < 1) throw new Error(`--threads must be a positive integer, got '${values.threads}'`);
  const layoutArg = values.layout;
  // 'adaptive' is the sidecar's: it needs a batcher that knows when a run is alone, which a command does not have.
  const cliLayouts = modelLayouts.filter((layout) => layout !== 'adaptive');
  if (layoutArg !== undefined && !(cliLayouts as readonly string[]).includes(layoutArg)) {
    throw new Error(`--layout must be one of ${cliLayouts.join(', ')}, got '${layoutArg}'`);
  }
  if (values.pacs) {
    if (positionals.length > 0) throw new Error('--pacs classifies what is in Orthanc: give no files (use --study UID for one study)');
    for (const name of ['since', 'until'] as const) {
      const date = values[name];
      if (date !== undefined && !/^\d{8}$/.test(date)) throw new Error(`--${name} must be a DICOM date, YYYYMMDD, got '${date}'`);
    }
    if (values.study && (values.since || values.until)) throw new Error('--study names one study: give no --since/--until with it');
    return runInPacs({
      threads,
      batch,
      ...(values.study ? { study: values.study } : {}),
      ...(values.url ? { url: values.url } : {}),
      ...(values.since ? { since: values.since } : {}),
      ...(values.until ? { until: values.until } : {}),
    });
  }
  if (values.study || values.url || values.since || values.until) throw new Error('--study, --since, --until and --url go with --pacs');

  const { files, skipped, missing } = await collectFiles(positionals);
  for (const m of missing) console.error(`${m}: no such file or folder`);
  if (skipped.length) console.error(`Passed over ${skipped.length} file(s) in folders that are not DICOM Part-10.`);

  // Chosen by workload: a folder wants images per second (one session per thread, files read and
  // preprocessed on worker threads meanwhile); one file wants its answer soonest.
  const several = files.length > 1;
  const layout = (layoutArg as ModelLayout | undefined) ?? (several ? 'throughput' : 'latency');
  // What only some runs need is loaded only by them: a one-image table pays for neither SR nor CAM code.
  // The SRs need the CAM code too: the TID 1500 result draws the positive findings' regions.
  const [pipeline, cam, sr] = await Promise.all([
    loadPipeline({
      intraOpThreads: threads,
      maxBatch: batch,
      layout,
      ...(several ? { prepareWorkers: Math.min(availableParallelism(), files.length) } : {}),
    }),
    values.cam || values['cam-png'] !== undefined || values.sr ? import('../cam/index.ts') : undefined,
    values.sr ? import('../sr/index.ts') : undefined,
  ]);
  const { card } = pipeline.model;
  console.error(`Model: ${card.id} (${card.kind})`);
  if (card.warning) console.error(`WARNING: ${card.warning}`);
  if (values.out) await mkdir(values.out, { recursive: true });
  if (values.sr) await mkdir(values.sr, { recursive: true });
  const camPngDir = values['cam-png'];
  const wantCams = values.cam || camPngDir !== undefined;
  const wantFeatureMaps = wantCams || values.sr !== undefined;
  let classifierWeight: ClassifierWeight | undefined;
  if (cam) classifierWeight = cam.readClassifierWeight(await readFile(pipeline.model.onnxPath), pipeline.model.onnxPath);

  // Outputs are named by SOP Instance UID; two files sharing one (a DICOM error, but it happens) must
  // not overwrite each other's results, so later ones get a suffix and a warning.
  const written = new Map<string, string>();
  const outputName = (uid: string, file: string): string => {
    const base = uid || basename(file);
    const first = written.get(base);
    if (first === undefined) {
      written.set(base, file);
      return base;
    }
    let n = 2;
    while (written.has(`${base}-${n}`)) n += 1;
    written.set(`${base}-${n}`, file);
    console.error(`${file}: same SOP Instance UID as ${first}; its results are written as ${base}-${n}`);
    return `${base}-${n}`;
  };

  let failed = missing.length;
  let classified = 0;
  const progress = startProgress(files.length, 'Classifying');
  const lines: string[] = [];
  const started = performance.now();
  try {
    const chunks = chunkFiles(files, batch);
    const options = { checkEligibility: !values['no-eligibility'], featureMaps: wantFeatureMaps, keepImage: camPngDir !== undefined };
    let done = 0;
    for await (const outcomes of pipeline.classifyChunks(readChunks(chunks), options)) {
      const chunk = chunks[done++] ?? [];
      for (const [i, outcome] of outcomes.entries()) {
        const file = chunk[i] ?? '';
        progress.tick(basename(file));
        if (!outcome.ok) {
          failed += 1;
          lines.push(`${file}: ${outcome.error.message}`);
          continue;
        }
        classified += 1;
        const name = values.out || values.sr || camPngDir ? outputName(outcome.result.SOPInstanceUID, file) : '';
        let cams: Record<string, unknown> | undefined;
        if (cam && wantCams && classifierWeight && outcome.featureMaps) {
          const { prepared } = outcome;
          const all = cam.computeCams(outcome.featureMaps, classifierWeight, prepared.input.crop, { width: prepared.width, height: prepared.height });
          cams = camDocument(all, card.labels);
          if (camPngDir && prepared.image) {
            const top = new Set(topFindings(outcome.result.findings, card.labels, 3));
            await cam.writeCamPngs(camPngDir, name, prepared.image, prepared.input.crop, all.filter((c) => top.has(c.finding)), card.labels);
          }
        }
        const doc = resultDocument(file, outcome, cams);
        if (values.sr && sr) {
          try {
            const objects = sr.buildImageObjects({ classified: outcome, card, ...(classifierWeight ? { classifierWeight } : {}) });
            // Named after the image, so a reader finds the objects of each file; their own UIDs are deterministic.
            await writeFile(join(values.sr, `${name}.tid1500.dcm`), objects.result.part10);
            await writeFile(join(values.sr, `${name}.sr.dcm`), objects.report.part10);
            if (objects.heatmaps) await writeFile(join(values.sr, `${name}.heatmaps.dcm`), objects.heatmaps.part10);
          } catch (error) {
            // One image whose attributes its SR cannot carry: that file fails, the folder goes on.
            classified -= 1;
            failed += 1;
            lines.push(`${file}: no SR written: ${error instanceof Error ? error.message : String(error)}`);
            continue;
          }
        }
        if (values.out) {
          await writeFile(join(values.out, `${name}.json`), `${JSON.stringify(doc, null, 2)}\n`);
        }
        if (values.json) lines.push(JSON.stringify(doc));
        else lines.push(files.length === 1 ? formatFindingsTable(file, outcome.result) : formatFindingsLine(file, outcome.result));
      }
    }
  } finally {
    progress.stop();
    await pipeline.dispose();
  }
  const seconds = (performance.now() - started) / 1000;
  for (const line of lines) console.log(line);
  if (files.length > 1 || failed || skipped.length) {
    const passedOver = skipped.length ? `, ${skipped.length} skipped: not DICOM Part-10` : '';
    console.error(`${classified} classified, ${failed} failed${passedOver}, in ${seconds.toFixed(1)} s (${(classified / seconds).toFixed(1)} images/s).`);
  }
  if (card.warning && !values.json) console.log(`\n${card.warning}`);
  return failed > 0 ? 1 : 0;
}
