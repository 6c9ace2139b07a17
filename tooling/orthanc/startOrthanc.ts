/**
 * Runs Debian's Orthanc as a child process: generates its configuration, starts it, waits until its
 * REST API answers, and stops it cleanly. Used by `npm start` (storage under `data/orthanc/`, port
 * 8042) and by every integration suite (temporary storage, free ports).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { assertPortFree, findFreePort } from '../freePort.ts';
import { OrthancClient } from '../../inference-service/src/orthanc/orthancClient.ts';
import { buildOrthancConfiguration, type DicomModality, type OrthancPostgres, readOrthancTemplate } from './orthancConfig.ts';
import { luaHookEnv, orthancDefaults, orthancPaths } from './settings.ts';
import type { OrthancCredentials } from '../../inference-service/src/orthanc/types.ts';

export interface StartOrthancOptions {
  /** 0 or undefined: pick a free port. */
  readonly httpPort?: number;
  /** undefined or false: no DICOM listener; 0: a free port. */
  readonly dicomPort?: number | false;
  readonly storageDir: string;
  readonly credentials: OrthancCredentials;
  /** Lua scripts to load; by default the notify-sidecar hook when `sidecar` is given, none otherwise. */
  readonly luaScripts?: readonly string[];
  /** Where the Lua hook posts arrivals; absent, the hook stays silent. */
  readonly sidecar?: { readonly url: string; readonly token: string };
  readonly stableAgeSeconds?: number;
  /** A second account for the viewer's proxy, which Orthanc restricts to DICOMweb reads. */
  readonly proxyAccount?: OrthancCredentials;
  /** The proxy's account may also STOW-RS (for CXR_DICOMWEB_STOW=on). */
  readonly proxyMayStore?: boolean;
  /** Peers that may C-STORE; none by default. */
  readonly dicomModalities?: Readonly<Record<string, DicomModality>>;
  /** Index and files in PostgreSQL (Debian's orthanc-postgresql); several Orthancs may share it. */
  readonly postgres?: OrthancPostgres;
  /** Orthanc's `--verbose` logging. */
  readonly verbose?: boolean;
  /** Where the generated configuration and the log go; defaults to `storageDir`. */
  readonly runDir?: string;
  readonly readyTimeoutMs?: number;
  /** After SIGTERM, how long to wait before SIGKILL (Orthanc needs ~3.7 s here). */
  readonly stopTimeoutMs?: number;
}

export interface RunningOrthanc {
  /** `http://127.0.0.1:<port>`: Orthanc refuses non-loopback clients. */
  readonly url: string;
  readonly httpPort: number;
  readonly dicomPort: number | false;
  readonly credentials: OrthancCredentials;
  readonly proxyAccount?: OrthancCredentials;
  readonly process: ChildProcess;
  readonly configFile: string;
  readonly logFile: string;
  /** SIGTERM, then SIGKILL after `stopTimeoutMs`; resolves once the process has exited. Idempotent. */
  stop(): Promise<void>;
}

const portAttempts = 3;
const running = new Set<ChildProcess>();

export async function startOrthanc(options: StartOrthancOptions): Promise<RunningOrthanc> {
  const pickHttp = options.httpPort === undefined || options.httpPort === 0;
  const pickDicom = options.dicomPort === 0;
  for (let attempt = 1; ; attempt++) {
    const httpPort = pickHttp ? await findFreePort() : (options.httpPort as number);
    const dicomPort = options.dicomPort === undefined || options.dicomPort === false ? false : pickDicom ? await findFreePort() : options.dicomPort;
    try {
      return await startOnce(options, httpPort, dicomPort);
    } catch (error) {
      // A picked port can be taken between the probe and Orthanc's bind: try other ones.
      const retriable = (pickHttp || pickDicom) && attempt < portAttempts && (error instanceof OrthancExitedError || isPortInUse(error));
      if (!retriable) throw error;
    }
  }
}

function isPortInUse(error: unknown): boolean {
  return error instanceof Error && (error.cause as NodeJS.ErrnoException | undefined)?.code === 'EADDRINUSE';
}

class OrthancExitedError extends Error {
  override readonly name = 'OrthancExitedError';
}

async function startOnce(options: StartOrthancOptions, httpPort: number, dicomPort: number | false): Promise<RunningOrthanc> {
  // A server already on the port would answer our readiness probe in place of the Orthanc we start.
  await assertPortFree(httpPort, 'Orthanc HTTP');
  if (dicomPort !== false) await assertPortFree(dicomPort, 'Orthanc DICOM');
  const runDir = options.runDir ?? options.storageDir;
  // Patient data and the configuration (passwords) are the owner's alone.
  await mkdir(options.storageDir, { recursive: true, mode: 0o700 });
  await chmod(options.storageDir, 0o700);
  await mkdir(runDir, { recursive: true, mode: 0o700 });
  const configFile = join(runDir, 'orthanc-run.json');
  const logFile = join(runDir, 'orthanc.log');

  const luaScripts = [
    ...(options.luaScripts ?? (options.sidecar ? [orthancPaths.notifySidecarScript] : [])),
    ...(options.proxyAccount ? [orthancPaths.restrictViewerProxyScript] : []),
  ];
  const configuration = buildOrthancConfiguration(await readOrthancTemplate(), {
    storageDir: options.storageDir,
    httpPort,
    dicomPort,
    credentials: options.credentials,
    luaScripts,
    stableAgeSeconds: options.stableAgeSeconds ?? orthancDefaults.stableAgeSeconds,
    ...(options.proxyAccount ? { proxyAccount: options.proxyAccount } : {}),
    ...(options.dicomModalities ? { dicomModalities: options.dicomModalities } : {}),
    ...(options.postgres ? { postgres: options.postgres } : {}),
  });
  // The file holds Orthanc's password.
  await writeFile(configFile, `${JSON.stringify(configuration, null, 2)}\n`, { mode: 0o600 });
  await chmod(configFile, 0o600);

  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env[luaHookEnv.sidecarUrl];
  delete env[luaHookEnv.sidecarToken];
  delete env[luaHookEnv.proxyUser];
  delete env[luaHookEnv.proxyMayStore];
  // DCMTK (Orthanc's DICOM layer) leaves Nagle's algorithm on unless TCP_NODELAY is set: each C-STORE then
  // waits out a delayed ACK, ~50 ms per instance on loopback here against ~5 ms with it (both ways: the
  // modalities' stores in, the routed results out).
  env.TCP_NODELAY ??= '1';
  if (options.proxyAccount) env[luaHookEnv.proxyUser] = options.proxyAccount.username;
  if (options.proxyMayStore) env[luaHookEnv.proxyMayStore] = 'on';
  if (options.sidecar) {
    env[luaHookEnv.sidecarUrl] = options.sidecar.url.replace(/\/+$/, '');
    env[luaHookEnv.sidecarToken] = options.sidecar.token;
  }

  if (!existsSync(orthancPaths.binary)) throw new Error(`Orthanc could not be started: ${orthancPaths.binary} is missing; install Debian's 'orthanc' package`);
  const logFd = openSync(logFile, 'a', 0o600);
  const args = [...(options.verbose ? ['--verbose'] : []), configFile];
  let child: ChildProcess;
  try {
    // umask 077: the files Orthanc stores (images, its index) are 0600, its directories 0700.
    child = spawn('/bin/sh', ['-c', 'umask 077 && exec "$0" "$@"', orthancPaths.binary, ...args], { stdio: ['ignore', logFd, logFd], env });
  } finally {
    closeSync(logFd);
  }
  running.add(child);
  const exited = new Promise<void>((resolveExit) => {
    child.once('exit', () => {
      running.delete(child);
      resolveExit();
    });
  });
  const spawnError = new Promise<Error>((resolveError) => child.once('error', resolveError));

  const url = `http://127.0.0.1:${httpPort}`;
  const stopTimeoutMs = options.stopTimeoutMs ?? 15_000;
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      // Never spawned (ENOENT) or already gone: nothing to stop.
      if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const killed = await Promise.race([exited.then(() => false), sleep(stopTimeoutMs).then(() => true)]);
      if (killed) {
        child.kill('SIGKILL');
        await exited;
      }
    })();
    return stopping;
  };

  try {
    await waitUntilReady({
      client: new OrthancClient({ url, credentials: options.credentials, timeoutMs: 1_000 }),
      exited,
      spawnError,
      timeoutMs: options.readyTimeoutMs ?? 20_000,
      logFile,
    });
  } catch (error) {
    await stop();
    throw error;
  }
  return { url, httpPort, dicomPort, credentials: options.credentials, ...(options.proxyAccount ? { proxyAccount: options.proxyAccount } : {}), process: child, configFile, logFile, stop };
}

async function waitUntilReady(args: {
  client: OrthancClient;
  exited: Promise<void>;
  spawnError: Promise<Error>;
  timeoutMs: number;
  logFile: string;
}): Promise<void> {
  const deadline = Date.now() + args.timeoutMs;
  let gone: Error | undefined;
  void args.exited.then(() => {
    gone ??= new OrthancExitedError(`Orthanc exited before answering on ${args.client.url}; log ${args.logFile}:\n${logTail(args.logFile)}`);
  });
  void args.spawnError.then((error) => {
    gone ??= new Error(`Orthanc could not be started (${orthancPaths.binary}): ${error.message}; install Debian's 'orthanc' package`, { cause: error });
  });
  for (;;) {
    if (gone) throw gone;
    try {
      await args.client.system();
      return;
    } catch {
      // not up yet
    }
    if (gone) throw gone;
    if (Date.now() > deadline) {
      throw new Error(`Orthanc did not answer GET ${args.client.url}/system within ${args.timeoutMs} ms; log ${args.logFile}:\n${logTail(args.logFile)}`);
    }
    await sleep(50);
  }
}

function logTail(logFile: string): string {
  try {
    return readFileSync(logFile, 'utf8').split('\n').slice(-15).join('\n');
  } catch {
    return '(no log)';
  }
}

// A parent that exits without stopping its Orthancs (a crashed test run) must not leave them behind.
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});
