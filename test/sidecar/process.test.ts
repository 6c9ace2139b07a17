/**
 * `cxr-findings serve` as its own process, compiled, the way a user or a container runs it:
 * configuration from the environment, a clear refusal when it is wrong, and a clean exit on SIGTERM.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configEnv } from '../../inference-service/src/config/defaults.ts';
import { modelsDirEnv } from '../../inference-service/src/config/paths.ts';
import { startTestOrthanc, type TestOrthanc, orthancEnv } from '../support/orthanc.ts';
import { repoRoot } from '../support/paths.ts';

const bin = resolve(repoRoot, 'inference-service/bin/cxr-findings.mjs');

interface Run {
  readonly child: ChildProcess;
  readonly stdout: string[];
  readonly stderr: string[];
  readonly exited: Promise<number | null>;
}

function run(env: Record<string, string>): Run {
  // Only what the test gives (and the tests' models dir): the sidecar must not pick up a developer's CXR_* settings.
  const child = spawn(process.execPath, [bin, 'serve'], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', [modelsDirEnv]: process.env[modelsDirEnv] ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stdout: string[] = [];
  const stderr: string[] = [];
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => stdout.push(...chunk.split('\n').filter(Boolean)));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => stderr.push(chunk));
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  return { child, stdout, stderr, exited };
}

async function logLine(r: Run, msg: string, timeoutMs = 60_000): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const line of r.stdout) {
      const entry = JSON.parse(line) as Record<string, unknown>;
      if (entry.msg === msg) return entry;
    }
    if (r.child.exitCode !== null) throw new Error(`the sidecar exited (${r.child.exitCode}) before logging '${msg}': ${r.stderr.join('')}`);
    if (Date.now() > deadline) throw new Error(`no '${msg}' log line within ${timeoutMs} ms`);
    await new Promise((done) => setTimeout(done, 100));
  }
}

describe('the sidecar process', () => {
  let orthanc: TestOrthanc;
  let dataDir: string;

  beforeAll(async () => {
    orthanc = await startTestOrthanc();
    dataDir = await mkdtemp(join(tmpdir(), 'cxr-process-'));
  });

  afterAll(async () => {
    await orthanc?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  describe('with a valid environment', () => {
    it('should say which model is active, serve, and exit 0 on SIGTERM', async () => {
      const r = run({
        [configEnv.port]: '0',
        ...orthancEnv(orthanc),
        [configEnv.apiToken]: 'process-suite-token-0123456789',
        [configEnv.dataDir]: dataDir,
        [configEnv.viewerDir]: join(dataDir, 'no-viewer'),
        [configEnv.viewerExtensionFile]: join(dataDir, 'no-viewer.mjs'),
      });
      try {
        const loaded = await logLine(r, 'model loaded');
        expect(loaded).toMatchObject({ tag: 'sidecar', modelId: expect.any(String), kind: expect.stringMatching(/^(demo|upstream|custom)$/) });
        const listening = await logLine(r, 'listening');
        // Said before it listens (the warning may come just after the model line).
        if (loaded.kind === 'demo') expect(r.stdout.join('\n')).toMatch(/DEMO MODEL ACTIVE/);
        const health = await fetch(`${listening.url as string}/api/health`);
        expect(health.status).toBe(200);
        r.child.kill('SIGTERM');
        expect(await r.exited).toBe(0);
        await logLine(r, 'stopped');
      } finally {
        if (r.child.exitCode === null) r.child.kill('SIGKILL');
      }
    });
  });

  describe('with a wrong environment', () => {
    it('should exit 2 naming the variable', async () => {
      const r = run({ [configEnv.port]: 'eighty', [configEnv.apiToken]: 'process-suite-token-0123456789' });
      expect(await r.exited).toBe(2);
      expect(r.stderr.join('')).toMatch(/^Invalid sidecar configuration: CXR_PORT: /);
    });

    it('should exit 2 without a token outside development', async () => {
      const r = run({ [configEnv.orthancUsername]: 'a', [configEnv.orthancPassword]: 'b' });
      expect(await r.exited).toBe(2);
      expect(r.stderr.join('')).toMatch(/CXR_API_TOKEN is required/);
    });
  });
});
