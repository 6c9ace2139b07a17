/**
 * Issue 15's figures: sidecar worker processes sharing one BullMQ queue on Redis, against the in-process
 * path in the same run. Each configuration gets its own Orthanc and a burst of distinct real images
 * (announced by the Lua hook, followed on /changes); it ends when every eligible image has its SRs.
 *
 * - in-process, 1 sidecar: the reference (no Redis).
 * - in-process, 2 sidecars on one Orthanc: what a site gets today by adding a sidecar (both follow /changes).
 * - queue, 1 worker and 2 workers: the hook goes to the first worker; the lease holder follows /changes.
 *
 * The queue's overhead per image, one image at a time: the in-process sidecar and a one-worker queue run
 * side by side (each with its own Orthanc) and images go to them in turn, so both see the same load on a
 * shared host; the overhead is the queue's median upload → SRs stored less the in-process median. Also
 * over the burst ((queue time − in-process time) / images), which the host's load moves far more.
 * On 2 cores two workers cannot beat one: both share the same cores.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Queue } from 'bullmq';
import { apiPaths, configDefaults, configEnv } from '../src/config/defaults.ts';
import { queueName } from '../src/queue/bullmqQueue.ts';
import { OrthancClient } from '../src/orthanc/index.ts';
import { preparePoolEnv } from '../src/pipeline/preparePool.ts';
import { imageObjectUids } from '../src/service/imageObjects.ts';
import { findFreePort } from '../../tooling/freePort.ts';
import { startOrthanc } from '../../tooling/orthanc/startOrthanc.ts';
import { startRedis, type RunningRedis } from '../../tooling/redis/startRedis.ts';
import { counterTotal, spawnSidecar, type SidecarProcess } from '../../tooling/sidecarProcess.ts';
import { dicomVariant, realImageUids, type Variant } from '../../test/browser/support/dicomVariant.ts';
import { report, summarize } from './stats.ts';

const realImage = resolve(import.meta.dirname, '../../../shared/data/cxr/siim-pa-jpeg-baseline.dcm');
const token = randomBytes(24).toString('base64url');
const credentials = { username: 'bench', password: randomBytes(12).toString('hex') };

interface Setup {
  readonly label: string;
  readonly workers: number;
  readonly queue: boolean;
}

interface Outcome {
  readonly images: number;
  readonly exactlyOne: number;
  readonly modelRuns: number;
  /** Result objects the PACS destination confirmed (C-STORE through Orthanc, the routing file's one destination). */
  readonly routed: number;
  readonly seconds: number;
}

interface Serial {
  /** Upload → both SRs stored, ms, one image at a time: in-process and queue in turn. */
  readonly inProcessMs: readonly number[];
  readonly queueMs: readonly number[];
  /** A job's wait in Redis, added → taken by the idle worker, ms. */
  readonly jobWaitMs: readonly number[];
}

/** Orthanc (its Lua hook posting to the first worker), the worker processes, Redis for a queue. */
interface Stack {
  readonly client: OrthancClient;
  readonly redis?: RunningRedis;
  /** Uploads, then waits until both SRs of the image are in Orthanc. */
  classifyOne(v: Variant): Promise<number>;
  stored(v: Variant): Promise<boolean>;
  /** Model runs so far, from every worker's metrics. */
  modelRuns(): Promise<number>;
  /** Result objects routed so far, from every worker's metrics. */
  routed(): Promise<number>;
  stop(): Promise<void>;
}

const setups: readonly Setup[] = [
  { label: 'in-process, 1 sidecar', workers: 1, queue: false },
  { label: 'queue, 1 worker', workers: 1, queue: true },
  { label: 'queue, 2 workers', workers: 2, queue: true },
  { label: 'in-process, 2 sidecars', workers: 2, queue: false },
];

export async function benchScale(): Promise<void> {
  const burst = Number(process.env.CXR_BENCH_SCALE_IMAGES ?? 60);
  const serialCount = 20;
  const rounds = Number(process.env.CXR_BENCH_SCALE_ROUNDS ?? 2);
  const work = await mkdtemp(join(tmpdir(), 'cxr-bench-scale-'));
  const real = new Uint8Array(await readFile(realImage));
  let next = 1;
  const variants = (count: number): Variant[] => Array.from({ length: count }, () => dicomVariant(real, realImageUids, next++));
  const results = new Map<string, Outcome[]>();
  const serials: Serial[] = [];
  let stacks = 0;
  try {
    for (let round = 1; round <= rounds; round++) {
      serials.push(await measureSerial(work, `${round}-serial`, variants(serialCount)));
      for (const setup of setups) {
        const stack = await startStack(work, `${round}-${stacks++}`, setup);
        try {
          const outcome = await runBurst(stack, setup, variants(burst));
          (results.get(setup.label) ?? results.set(setup.label, []).get(setup.label))?.push(outcome);
        } finally {
          await stack.stop();
        }
      }
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }

  const range = (values: readonly number[], digits: number, unit = ''): string => {
    const low = Math.min(...values).toFixed(digits);
    const high = Math.max(...values).toFixed(digits);
    return low === high ? `${low}${unit}` : `${low}–${high}${unit}`;
  };
  console.log(`\nOne image at a time, in-process and a one-worker queue in turn, ${serialCount} images each, ${rounds} rounds (ranges over rounds):`);
  const median = (values: readonly number[]) => summarize(values).median;
  report([
    ['in-process, upload → both SRs stored (median)', range(serials.map((r) => median(r.inProcessMs)), 1, ' ms')],
    ['queue, 1 worker (median)', range(serials.map((r) => median(r.queueMs)), 1, ' ms')],
    ['queue overhead per image (queue − in-process)', range(serials.map((r) => median(r.queueMs) - median(r.inProcessMs)), 1, ' ms'), '≤ 5 ms'],
    ['  of which a job waits in Redis, added → taken (median)', range(serials.map((r) => median(r.jobWaitMs)), 1, ' ms')],
  ]);
  console.log(`\n${burst} distinct real 1024² images per burst (4 uploads at a time), announced by the Lua hook and /changes, ${rounds} rounds:`);
  const rows: [string, string, string?][] = [];
  for (const [label, outcomes] of results) {
    rows.push([
      label,
      `${range(outcomes.map((o) => o.images / o.seconds), 1, ' images/s')}, ${range(outcomes.map((o) => o.exactlyOne), 0)}/${burst} with exactly one SR set, ` +
        `${range(outcomes.map((o) => o.modelRuns - o.images), 0)} duplicate model runs`,
    ]);
  }
  const reference = results.get('in-process, 1 sidecar') ?? [];
  const queued = results.get('queue, 1 worker') ?? [];
  rows.push(['queue overhead over the burst ((time − in-process time) / images)', range(reference.map((r, i) => (((queued[i]?.seconds ?? Number.NaN) - r.seconds) * 1000) / burst), 1, ' ms')]);
  report(rows);
  const queuedAll = [...queued, ...(results.get('queue, 2 workers') ?? [])];
  const total = (pick: (o: Outcome) => number) => queuedAll.reduce((sum, o) => sum + pick(o), 0);
  // Routed: the PACS destination's confirmed deliveries, from the workers' cxr_routed_total.
  console.log(`scale: ${total((o) => o.images)} images, ${total((o) => o.exactlyOne)} with exactly one SR, ${total((o) => o.modelRuns - o.images)} duplicate model runs, ${total((o) => o.routed)} routed`);
}

async function measureSerial(work: string, name: string, images: readonly Variant[]): Promise<Serial> {
  const [inProcess, queue] = await Promise.all([
    startStack(work, `${name}-p`, { label: 'in-process', workers: 1, queue: false }),
    startStack(work, `${name}-q`, { label: 'queue', workers: 1, queue: true }),
  ]);
  try {
    const inProcessMs: number[] = [];
    const queueMs: number[] = [];
    // Each image to both, in turn (distinct Orthancs: the same image is new to each).
    for (const v of images) {
      inProcessMs.push(await inProcess.classifyOne(v));
      queueMs.push(await queue.classifyOne(v));
    }
    const jobWaitMs: number[] = [];
    if (queue.redis) {
      const jobs = new Queue(queueName, { connection: { url: queue.redis.url }, prefix: configDefaults.redisPrefix });
      for (const job of await jobs.getCompleted()) if (job?.processedOn) jobWaitMs.push(job.processedOn - job.timestamp);
      await jobs.close();
    }
    return { inProcessMs, queueMs, jobWaitMs };
  } finally {
    await Promise.all([inProcess.stop(), queue.stop()]);
  }
}

async function runBurst(stack: Stack, setup: Setup, images: readonly Variant[]): Promise<Outcome> {
  const [runsBefore, routedBefore] = [await stack.modelRuns(), await stack.routed()];
  const t0 = performance.now();
  const queue = [...images];
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      for (let v = queue.shift(); v; v = queue.shift()) await stack.client.uploadInstance(v.part10);
    }),
  );
  const deadline = Date.now() + 300_000;
  let left = [...images];
  while (left.length > 0) {
    if (Date.now() > deadline) throw new Error(`bench scale (${setup.label}): ${left.length} images have no SRs after 300 s`);
    const done = await Promise.all(left.map((v) => stack.stored(v)));
    left = left.filter((_, i) => !done[i]);
    if (left.length > 0) await sleep(20);
  }
  const seconds = (performance.now() - t0) / 1000;
  let exactlyOne = 0;
  for (const v of images) {
    const srs = await stack.client.findInstances({ Query: { StudyInstanceUID: v.StudyInstanceUID, Modality: 'SR' } });
    if (srs.length === 2) exactlyOne++;
  }
  // Late duplicates (a second sidecar's follower) finish after the SRs exist: let them settle; and the
  // deliveries to the PACS, which follow each store, catch up (up to 60 s; the count says what arrived).
  await sleep(1_500);
  const routedBy = Date.now() + 60_000;
  // Every object of an image goes on: both SRs and the heatmaps (the real image has positive findings).
  const objectsPerImage = Object.keys(imageObjectUids('1.2.3', '0'.repeat(64))).length;
  while ((await stack.routed()) - routedBefore < objectsPerImage * exactlyOne && Date.now() < routedBy) await sleep(200);
  return { images: images.length, exactlyOne, modelRuns: (await stack.modelRuns()) - runsBefore, routed: (await stack.routed()) - routedBefore, seconds };
}

async function startStack(work: string, name: string, setup: Setup): Promise<Stack> {
  const ports = await Promise.all(Array.from({ length: setup.workers }, () => findFreePort()));
  const redis: RunningRedis | undefined = setup.queue ? await startRedis({ dir: await mkdtemp(join(work, `redis-${name}-`)) }) : undefined;
  // Every result goes on to a PACS (another Orthanc) by C-STORE, as a site's routing file says.
  const sourceDicomPort = await findFreePort();
  const pacs = await startOrthanc({
    storageDir: join(work, `pacs-${name}`),
    credentials,
    dicomPort: 0,
    dicomModalities: { source: { AET: 'CXRFINDINGS', Host: '127.0.0.1', Port: sourceDicomPort } },
  });
  const orthanc = await startOrthanc({
    storageDir: join(work, `orthanc-${name}`),
    credentials,
    sidecar: { url: `http://127.0.0.1:${ports[0]}`, token },
    dicomPort: sourceDicomPort,
    dicomModalities: { pacs: { AET: 'PACS', Host: '127.0.0.1', Port: pacs.dicomPort as number } },
  });
  const routingFile = join(work, `routing-${name}.json`);
  await writeFile(routingFile, JSON.stringify({ destinations: [{ name: 'pacs', type: 'dicom', modality: 'pacs' }], delivery: { maxAttempts: 100, initialDelayMs: 200, maxDelayMs: 2_000 } }));
  const client = new OrthancClient({ url: orthanc.url, credentials });
  const workers: SidecarProcess[] = [];
  const stop = async () => {
    await Promise.all(workers.map((w) => w.kill('SIGTERM')));
    client.close();
    await Promise.all([orthanc.stop(), pacs.stop()]);
    await redis?.stop();
  };
  try {
    for (const [i, port] of ports.entries()) {
      workers.push(
        spawnSidecar({
          [configEnv.port]: String(port),
          [configEnv.apiToken]: token,
          [configEnv.dataDir]: join(work, `data-${name}-${i}`),
          [configEnv.orthancUrl]: orthanc.url,
          [configEnv.orthancUsername]: credentials.username,
          [configEnv.orthancPassword]: credentials.password,
          [configEnv.logLevel]: 'warn',
          // The same settings for every process in every setup: one model thread, one prepare thread.
          [configEnv.intraOpThreads]: '1',
          [configEnv.concurrency]: '4',
          [preparePoolEnv.threads]: '1',
          [configEnv.viewerDir]: join(work, 'no-viewer'),
          [configEnv.viewerExtensionFile]: join(work, 'no-viewer.mjs'),
          [configEnv.routingFile]: routingFile,
          ...(redis ? { [configEnv.redisUrl]: redis.url } : {}),
        }),
      );
    }
    // Every worker loaded its model and listens (its log level is warn: ask its health instead).
    await Promise.all(ports.map((port) => waitHealthy(`http://127.0.0.1:${port}`)));
    const model = (await (await fetch(`http://127.0.0.1:${ports[0]}${apiPaths.model}`, { headers: { authorization: `Bearer ${token}` } })).json()) as { onnx: { sha256: string } };
    const counted = async (name: string) => {
      const scrapes = await Promise.all(workers.map((w, i) => w.metrics(`http://127.0.0.1:${ports[i]}`, token)));
      return scrapes.reduce((sum, text) => sum + counterTotal(text, name), 0);
    };
    const stored = async (v: Variant) => {
      const { result, report: readable } = imageObjectUids(v.SOPInstanceUID, model.onnx.sha256);
      return (await Promise.all([result, readable].map((uids) => client.instanceIdByUid(uids.SOPInstanceUID)))).every(Boolean);
    };
    return {
      client,
      ...(redis ? { redis } : {}),
      stored,
      async classifyOne(v) {
        const t0 = performance.now();
        await client.uploadInstance(v.part10);
        while (!(await stored(v))) await sleep(2);
        return performance.now() - t0;
      },
      modelRuns: () => counted('cxr_images_classified_total'),
      routed: () => counted('cxr_routed_total'),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function waitHealthy(url: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const ok = await fetch(`${url}${apiPaths.health}`).then((r) => r.ok, () => false);
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`bench scale: the sidecar at ${url} did not become healthy within 60 s`);
    await sleep(100);
  }
}
