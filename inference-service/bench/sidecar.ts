import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { uploadFiles } from '../src/cli/uploadCommand.ts';
import { loadConfig } from '../src/config/config.ts';
import { apiPaths, configDefaults, configEnv } from '../src/config/defaults.ts';
import { readDicomDataset } from '../src/dicom/index.ts';
import { OrthancClient } from '../src/orthanc/index.ts';
import { startOrthanc } from '../../tooling/orthanc/startOrthanc.ts';
import { preparePoolEnv } from '../src/pipeline/preparePool.ts';
import { startSidecar } from '../src/server.ts';
import type { SidecarMetrics } from '../src/service/metrics.ts';
import { makeDistinctCopies } from './distinctImages.ts';
import { ms, processCpuMs, report, summarize } from './stats.ts';

const realImage = resolve(import.meta.dirname, '../../../shared/data/cxr/siim-pa-jpeg-baseline.dcm');

/** Issue 4's figures: POST /api/classify until the SR is stored, and auto-classify throughput on arrival. */
export async function benchSidecar(parts: readonly ('requests' | 'arrivals')[] = ['requests', 'arrivals']): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'cxr-bench-sidecar-'));
  const token = randomBytes(24).toString('base64url');
  const credentials = { username: 'bench', password: randomBytes(12).toString('hex') };
  try {
    for (const autoClassify of parts.map((part) => part === 'arrivals')) {
      const storageDir = join(work, `orthanc-${autoClassify}`);
      // The sidecar's port is known only once it listens; the hook's target is set after a first start.
      const sidecarPort = 30_000 + Math.floor(Math.random() * 20_000);
      const orthanc = await startOrthanc({
        storageDir,
        credentials,
        ...(autoClassify ? { sidecar: { url: `http://127.0.0.1:${sidecarPort}`, token } } : {}),
      });
      const config = loadConfig({
        [configEnv.port]: String(autoClassify ? sidecarPort : 0),
        [configEnv.apiToken]: token,
        [configEnv.dataDir]: join(work, `data-${autoClassify}`),
        [configEnv.orthancUrl]: orthanc.url,
        [configEnv.orthancUsername]: credentials.username,
        [configEnv.orthancPassword]: credentials.password,
        [configEnv.autoClassify]: String(autoClassify),
        [configEnv.logLevel]: 'warn',
        // The sidecar's own tuning variables apply here too, to compare settings on the same machine.
        [configEnv.intraOpThreads]: process.env.CXR_INTRA_OP_THREADS ?? '2',
        [configEnv.ortSpinning]: process.env.CXR_ORT_SPINNING ?? String(configDefaults.ortSpinning),
        [configEnv.modelLayout]: process.env.CXR_MODEL_LAYOUT ?? configDefaults.modelLayout,
        [configEnv.concurrency]: process.env.CXR_CONCURRENCY ?? '4',
        ...(process.env[preparePoolEnv.threads] ? { [preparePoolEnv.threads]: process.env[preparePoolEnv.threads] } : {}),
      });
      const sidecar = await startSidecar({ config });
      // The requests also go, turn about, to a second sidecar on the same Orthanc with CXR_HEATMAPS off: what
      // the heatmaps add is then a ratio within one run, the host's drift shared by both.
      const plain = autoClassify ? undefined : await startSidecar({ config: { ...config, port: 0, dataDir: join(work, 'data-plain'), heatmaps: false } });
      const client = new OrthancClient({ url: orthanc.url, credentials });
      try {
        if (!autoClassify) await benchClassifyRequests(work, client, [sidecar.url, ...(plain ? [plain.url] : [])], token);
        else await benchAutoClassify(work, client, sidecar.parts.metrics, orthanc.process.pid);
      } finally {
        await plain?.stop();
        await sidecar.stop();
        await orthanc.stop();
      }
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function benchClassifyRequests(work: string, client: OrthancClient, sidecarUrls: readonly string[], token: string): Promise<void> {
  const count = 60;
  const warmup = 5;
  const [sidecarUrl = '', plainUrl] = sidecarUrls;
  const files = await makeDistinctCopies(realImage, work, count * sidecarUrls.length, 'request');
  await uploadFiles(client, files, 4);
  const samples: number[] = [];
  const plainSamples: number[] = [];
  const stages: Record<string, number[]> = {};
  for (const [i, file] of files.slice(0, count).entries()) {
    // The plain sidecar's image first, then ours: neither always follows the other's store.
    const plainFile = plainUrl ? files[count + i] : undefined;
    if (plainUrl && plainFile) {
      const plain = await timedClassify(plainUrl, token, plainFile);
      if (i >= warmup) plainSamples.push(plain.elapsed);
    }
    const { dataset } = readDicomDataset(await readFile(file));
    const t0 = performance.now();
    const response = await fetch(`${sidecarUrl}${apiPaths.classify}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ studyInstanceUID: dataset.StudyInstanceUID, sopInstanceUID: dataset.SOPInstanceUID }),
    });
    const body = (await response.json()) as { results?: { sr: { alreadyExisted: boolean }; timingsMs: Record<string, number> }[]; timingsMs?: Record<string, number> };
    const elapsed = performance.now() - t0;
    if (!response.ok || body.results?.length !== 1 || body.results[0]?.sr.alreadyExisted) {
      throw new Error(`bench: POST ${apiPaths.classify} answered ${response.status} ${JSON.stringify(body).slice(0, 300)}`);
    }
    if (i >= warmup) {
      samples.push(elapsed);
      for (const [stage, value] of Object.entries(body.results[0]?.timingsMs ?? {})) (stages[stage] ??= []).push(value);
    }
  }
  const s = summarize(samples);
  // The heatmaps' share of each image's own path (build + store of the Parametric Map over the rest), per image.
  const heatmapShare = (stages['heatmaps'] ?? []).map((h, i) => h / Math.max(1e-6, (stages['total']?.[i] ?? 0) - h));
  console.log(`\nPOST ${apiPaths.classify} → SR stored in Orthanc, real 1024² JPEG image, ${s.n} distinct images one after another:`);
  report([
    ['p50', ms(s.median), '≤ 60 ms'],
    ['p95', ms(s.p95)],
    ...Object.entries(stages).map(([stage, values]): [string, string] => [`  stage ${stage} (median)`, ms(summarize(values).median)]),
    ...(heatmapShare.length > 0
      ? [['  heatmaps ÷ the rest of the image (median, p95)', `${summarize(heatmapShare).median.toFixed(3)}, ${summarize(heatmapShare).p95.toFixed(3)}`] as [string, string]]
      : []),
  ]);
  if (plainSamples.length > 0) {
    const plain = summarize(plainSamples);
    // Per pair (the plain request just before ours), so a slow moment of the host weighs on both.
    const ratios = summarize(samples.map((t, i) => t / (plainSamples[i] ?? t)));
    console.log('\nWhat the heatmaps add: the same requests, turn about, to a sidecar with CXR_HEATMAPS off (this run):');
    report([
      ['p50 / p95 without heatmaps', `${ms(plain.median)} / ${ms(plain.p95)}`],
      ['with ÷ without, median of the per-pair ratios', ratios.median.toFixed(2)],
      ['with ÷ without, of the p50s', (s.median / plain.median).toFixed(2)],
      ['p50 added per image', ms(s.median - plain.median)],
    ]);
  }
}

async function timedClassify(sidecarUrl: string, token: string, file: string): Promise<{ elapsed: number }> {
  const { dataset } = readDicomDataset(await readFile(file));
  const t0 = performance.now();
  const response = await fetch(`${sidecarUrl}${apiPaths.classify}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ studyInstanceUID: dataset.StudyInstanceUID, sopInstanceUID: dataset.SOPInstanceUID }),
  });
  await response.arrayBuffer();
  if (!response.ok) throw new Error(`bench: POST ${apiPaths.classify} answered ${response.status}`);
  return { elapsed: performance.now() - t0 };
}

async function benchAutoClassify(work: string, client: OrthancClient, metrics: SidecarMetrics, orthancPid: number | undefined): Promise<void> {
  const count = 120;
  const files = await makeDistinctCopies(realImage, work, count, 'arrival');
  // The sidecar runs in this process (with the uploads, a small share); Orthanc is its own.
  const cpuBefore = { sidecar: process.cpuUsage(), orthanc: orthancPid ? await processCpuMs(orthancPid) : Number.NaN };
  const t0 = performance.now();
  await uploadFiles(client, files, 4);
  const uploadedAt = performance.now();
  // Watch the sidecar's own counter: asking Orthanc for every SR each time would load the server measured.
  const storedSoFar = async (): Promise<number> => (await metrics.srsStored.get()).values.reduce((sum, v) => sum + v.value, 0);
  const skippedSoFar = async (): Promise<number> => (await metrics.imagesSkipped.get()).values.reduce((sum, v) => sum + v.value, 0);
  const skippedBefore = await skippedSoFar();
  let reports = 0;
  const deadline = Date.now() + 300_000;
  while (Date.now() < deadline) {
    reports = await storedSoFar();
    if (reports >= count) break;
    await sleep(20);
  }
  const seconds = (performance.now() - t0) / 1000;
  const sidecarCpu = process.cpuUsage(cpuBefore.sidecar);
  const orthancCpuMs = orthancPid ? (await processCpuMs(orthancPid)) - cpuBefore.orthanc : Number.NaN;
  const skipped = (await skippedSoFar()) - skippedBefore;
  // The counter says the sidecar stored them; Orthanc must hold them too.
  // Each image gets two objects (the TID 1500 result and the readable report); the counter counts images.
  const objectsPerImage = 2;
  const inOrthanc = (await client.findInstances({ Query: { Modality: 'SR' } })).length;
  if (inOrthanc !== reports * objectsPerImage) {
    throw new Error(`bench: the sidecar stored the SRs of ${reports} images, Orthanc holds ${inOrthanc} SRs (${objectsPerImage} per image expected)`);
  }
  if (reports < count) throw new Error(`bench: only ${reports} of ${count} SRs appeared within 300 s`);
  console.log(`\nAuto-classify on arrival: ${count} distinct real images uploaded (4 in parallel) until ${count} SRs are stored:`);
  report([
    ['upload alone', `${((uploadedAt - t0) / 1000).toFixed(1)} s`],
    ['upload → all SRs stored', `${seconds.toFixed(1)} s`],
    ['throughput', `${(count / seconds).toFixed(1)} images/s`, '≥ 25 images/s'],
    // Where the two cores go, per image: what bounds throughput once both are busy.
    ['CPU per image: sidecar (all threads)', ms((sidecarCpu.user + sidecarCpu.system) / 1000 / count)],
    ['CPU per image: Orthanc', ms(orthancCpuMs / count)],
    // Announced instances the sidecar read the tags of and found no input (its own objects among them).
    ['instances announced and skipped, per image', (skipped / count).toFixed(2)],
    ['CPU per image ÷ wall time per image (2 cores)', `${(((sidecarCpu.user + sidecarCpu.system) / 1000 + orthancCpuMs) / (seconds * 1000)).toFixed(2)} cores busy`],
  ]);
}
