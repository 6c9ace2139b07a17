/**
 * The product as `npm start` starts it (scripts/start.ts: Orthanc, the sidecar, the viewer, the
 * samples), in its own process with its own ports and data dir, so a test attacks what users run.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { localUserFile } from '../../inference-service/src/access/localUser.ts';
import { modelsDirEnv } from '../../inference-service/src/config/paths.ts';
import { configEnv, dataFiles } from '../../inference-service/src/config/defaults.ts';
import { localCredentialsFile } from '../../inference-service/src/orthanc/localCredentials.ts';
import { findFreePort } from '../../tooling/freePort.ts';
import { startFlags } from '../../tooling/startFlags.ts';
import { localOrthancEnv } from '../../tooling/orthanc/settings.ts';
import { repoRoot } from './paths.ts';

export interface NpmStart {
  readonly url: string;
  readonly port: number;
  readonly orthancUrl: string;
  readonly dataDir: string;
  readonly apiToken: string;
  readonly orthancCredentials: { readonly username: string; readonly password: string };
  /** The local user, when CXR_AUTH is local. */
  readonly localUser?: { readonly username: string; readonly password: string };
  readonly output: string[];
  stop(): Promise<void>;
}

const tsx = resolve(repoRoot, 'node_modules/.bin/tsx');

export async function startNpmStart(env: Record<string, string> = {}, options: { port?: number; timeoutMs?: number } = {}): Promise<NpmStart> {
  const timeoutMs = options.timeoutMs ?? 180_000;
  const dataDir = await mkdtemp(join(tmpdir(), 'cxr-npm-start-'));
  const port = options.port ?? (await findFreePort());
  const orthancHttpPort = await findFreePort();
  const orthancDicomPort = await findFreePort();
  const child: ChildProcess = spawn(tsx, [...(await startFlags(repoRoot)), resolve(repoRoot, 'scripts/start.ts')], {
    cwd: repoRoot,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      // The tests' own demo model (vitest.config.ts), not whatever a developer imported.
      ...(process.env[modelsDirEnv] ? { [modelsDirEnv]: process.env[modelsDirEnv] } : {}),
      [configEnv.port]: String(port),
      [configEnv.dataDir]: dataDir,
      [configEnv.intraOpThreads]: '1',
      [configEnv.logLevel]: 'warn',
      [localOrthancEnv.httpPort]: String(orthancHttpPort),
      [localOrthancEnv.dicomPort]: String(orthancDicomPort),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => output.push(chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => output.push(chunk));
  const exited = once(child, 'exit');
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    }
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    const deadline = Date.now() + timeoutMs;
    while (!output.join('').includes('CXR Findings is running.')) {
      if (child.exitCode !== null) throw new Error(`npm start exited (${child.exitCode}): ${output.join('')}`);
      if (Date.now() > deadline) throw new Error(`npm start was not running within ${timeoutMs} ms: ${output.join('')}`);
      await new Promise((done) => setTimeout(done, 200));
    }
    const apiToken = (await readFile(join(dataDir, dataFiles.apiToken), 'utf8')).trim();
    const orthancCredentials = JSON.parse(await readFile(join(dataDir, localCredentialsFile), 'utf8')) as NpmStart['orthancCredentials'];
    let localUser: NpmStart['localUser'];
    try {
      localUser = JSON.parse(await readFile(join(dataDir, localUserFile), 'utf8')) as NpmStart['localUser'];
    } catch {
      localUser = undefined;
    }
    return {
      url: `http://127.0.0.1:${port}`,
      port,
      orthancUrl: `http://127.0.0.1:${orthancHttpPort}`,
      dataDir,
      apiToken,
      orthancCredentials,
      ...(localUser ? { localUser } : {}),
      output,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

export interface RawResponse {
  readonly status: number;
  readonly headers: string;
  readonly body: string;
}

/**
 * Sends one request exactly as written (method, target, headers) over a plain socket: no client
 * normalises the path, folds dot segments or encodes what an attacker would send raw.
 */
export function rawRequest(port: number, method: string, target: string, headers: Record<string, string> = {}, body = ''): Promise<RawResponse> {
  return new Promise((resolveResponse, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.setTimeout(15_000, () => socket.destroy(new Error(`no answer to ${method} ${target}`)));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const match = /^HTTP\/1\.1 (\d{3})/.exec(text);
      if (!match) {
        reject(new Error(`no HTTP answer to ${method} ${JSON.stringify(target)}: ${JSON.stringify(text.slice(0, 200))}`));
        return;
      }
      const split = text.indexOf('\r\n\r\n');
      resolveResponse({ status: Number(match[1]), headers: text.slice(0, split), body: split === -1 ? '' : text.slice(split + 4) });
    });
    const lines = [`${method} ${target} HTTP/1.1`, `Host: ${headers.Host ?? `127.0.0.1:${port}`}`];
    for (const [name, value] of Object.entries(headers)) if (name !== 'Host') lines.push(`${name}: ${value}`);
    if (body !== '') lines.push(`Content-Length: ${Buffer.byteLength(body, 'latin1')}`);
    lines.push('Connection: close');
    // write, not end: a half-closed socket reads to Node's server as a client that went away.
    socket.write(`${lines.join('\r\n')}\r\n\r\n${body}`, 'latin1');
  });
}

/** Logs in as the local user and returns the session cookie (`name=value`). */
export async function logInLocally(start: NpmStart): Promise<string> {
  if (!start.localUser) throw new Error('logInLocally: this npm start has no local user');
  const body = new URLSearchParams({ username: start.localUser.username, password: start.localUser.password }).toString();
  return new Promise((resolveCookie, reject) => {
    const req = httpRequest(
      `${start.url}/login`,
      { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: start.url, 'Content-Length': Buffer.byteLength(body) } },
      (res) => {
        res.resume();
        const cookie = res.headers['set-cookie']?.[0]?.split(';')[0];
        if (res.statusCode !== 303 || !cookie) reject(new Error(`login failed: ${res.statusCode}`));
        else resolveCookie(cookie);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
