import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { AuditLog } from '../audit/auditLog.ts';
import { configDefaults, configEnv, dataFiles } from '../config/defaults.ts';
import { parseArgs } from 'node:util';
import { loadActiveModel } from '../model/activeModel.ts';
import { modelsDir as defaultModelsDir, readModelCard, upstreamCardPath } from '../model/modelCard.ts';
import { importModel } from '../torch/importModel.ts';
import type { ImportResult } from '../torch/importModel.ts';

const usage = `cxr-findings model <import|fetch|show> [options]

  import <file.pt> [--strict]   import TorchXRayVision weights (a torch.save file, legacy or zip format),
                                build the ONNX and make it the active model; a file whose size or SHA-256
                                differs from the card is imported as "custom" with a warning (--strict refuses)
  fetch [--url URL] [--timeout-ms N]
                                download the card's weights URL (or a mirror's) and import it, refusing
                                any other file (needs network; gives up after 10 s without an answer)
  show                          print the active model

  --models-dir DIR              where models live (default ${defaultModelsDir})`;

/** How long `fetch` waits for the server to answer before saying it is offline. */
const defaultFetchTimeoutMs = 10_000;

/**
 * A model change is an access the audit log records (which model writes the SRs from now on): to the
 * sidecar's audit log (CXR_AUDIT_LOG, or audit.log in CXR_DATA_DIR), as the operating-system user.
 */
function auditModelChange(result: ImportResult, env: NodeJS.ProcessEnv = process.env): void {
  const file = resolve(env[configEnv.auditLog] ?? join(env[configEnv.dataDir] ?? configDefaults.dataDir, dataFiles.auditLog));
  const log = new AuditLog({ file });
  try {
    log.record({ action: 'model-change', outcome: 'success', user: `os:${userInfo().username}`, credential: 'cli', detail: `${result.active.card.id} (${result.active.card.kind}) file SHA-256 ${result.fileSha256}` });
  } finally {
    log.close();
  }
}

function report(result: ImportResult): void {
  auditModelChange(result);
  const { card } = result.active;
  const t = result.timingsMs;
  console.log(`Imported ${card.id} (${card.kind}) from a ${result.format}-format ${result.contents}${result.rootClass ? ` (${result.rootClass})` : ''}`);
  console.log(`  architecture: growth ${card.architecture.growthRate}, blocks [${card.architecture.blockConfig.join(',')}], init ${card.architecture.numInitFeatures}, bn_size ${card.architecture.bnSize}`);
  console.log(`  file: ${result.fileSize} bytes, SHA-256 ${result.fileSha256}`);
  console.log(`  ONNX: ${result.active.onnxPath} (SHA-256 ${card.onnx.sha256})`);
  console.log(`  took ${(t.read + t.parse + t.build + t.write).toFixed(0)} ms (read ${t.read.toFixed(0)}, parse ${t.parse.toFixed(0)}, build ${t.build.toFixed(0)}, write ${t.write.toFixed(0)})`);
  if (card.warning) console.warn(`WARNING: ${card.warning}`);
}

async function download(url: string, destination: string, timeoutMs: number): Promise<void> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  let response: Response;
  try {
    response = await fetch(url, { signal: controller.signal, redirect: 'follow' });
  } finally {
    // The timeout is for reaching the server; a slow but live 28 MB download is allowed to finish.
    clearTimeout(timer);
  }
  if (!response.ok || !response.body) throw new Error(`HTTP ${response.status} ${response.statusText}`);
  await pipeline(Readable.fromWeb(response.body as WebReadableStream), createWriteStream(destination));
}

async function fetchCommand(modelsDir: string, timeoutMs: number, mirror: string | undefined): Promise<number> {
  const upstream = await readModelCard(upstreamCardPath);
  const url = mirror ?? upstream.weights?.url;
  const fileName = upstream.weights?.fileName ?? 'weights.pt';
  if (!url) throw new Error(`model fetch: the card ${upstreamCardPath} has no weights URL`);
  const dir = await mkdtemp(join(tmpdir(), 'cxr-findings-fetch-'));
  try {
    const file = join(dir, fileName);
    console.log(`Downloading ${url}`);
    try {
      await download(url, file, timeoutMs);
    } catch (error) {
      const reason = error instanceof Error ? (error.cause instanceof Error ? `${error.message}: ${error.cause.message}` : error.message) : String(error);
      console.error(
        `model fetch: cannot download ${url} (${reason}).\n` +
          `Download it on a machine with internet access, copy it here and run:\n  cxr-findings model import ${fileName}`,
      );
      return 1;
    }
    // What was downloaded must be the published file: a different one is refused, not imported as custom.
    report(await importModel(file, { strict: true, modelsDir }));
    return 0;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function showCommand(modelsDir: string): Promise<number> {
  const { card, onnxPath } = await loadActiveModel(modelsDir);
  console.log(`Active model: ${card.id} (${card.kind}) — ${card.name}`);
  console.log(`  ONNX: ${onnxPath} (SHA-256 ${card.onnx.sha256})`);
  if (card.weights) console.log(`  weights: ${card.weights.fileName ?? '?'} (${card.weights.size} bytes, SHA-256 ${card.weights.sha256})`);
  if (card.warning) console.log(`  WARNING: ${card.warning}`);
  return 0;
}

/** `cxr-findings model import|fetch|show`; returns the process exit code. */
export async function runModelCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      strict: { type: 'boolean', default: false },
      'models-dir': { type: 'string' },
      'timeout-ms': { type: 'string' },
      url: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [sub, ...rest] = positionals;
  if (values.help || !sub) {
    console.log(usage);
    return values.help ? 0 : 2;
  }
  const modelsDir = values['models-dir'] ?? defaultModelsDir;
  switch (sub) {
    case 'import': {
      const [file, ...extra] = rest;
      if (!file || extra.length > 0) {
        console.error(`model import takes one file.\n\n${usage}`);
        return 2;
      }
      report(await importModel(file, { strict: values.strict, modelsDir }));
      return 0;
    }
    case 'fetch': {
      const timeoutMs = values['timeout-ms'] === undefined ? defaultFetchTimeoutMs : Number(values['timeout-ms']);
      if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) throw new Error(`model fetch: --timeout-ms must be a positive number, got '${values['timeout-ms']}'`);
      return fetchCommand(modelsDir, timeoutMs, values.url);
    }
    case 'show':
      return showCommand(modelsDir);
    default:
      console.error(`Unknown model command '${sub}'.\n\n${usage}`);
      return 2;
  }
}
