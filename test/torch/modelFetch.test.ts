import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runModelCommand } from '../../inference-service/src/cli/modelCommand.ts';
import { torchFixture } from './torchFixtures.ts';

/** Runs the command, collecting what it prints. */
async function run(args: string[]): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const original = { log: console.log, warn: console.warn, error: console.error };
  console.log = console.warn = console.error = (...a: unknown[]) => lines.push(a.join(' '));
  try {
    return { code: await runModelCommand(args), out: lines.join('\n') };
  } finally {
    Object.assign(console, original);
  }
}

describe('model fetch', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cxr-fetch-test-'));
  const tiny = readFileSync(torchFixture('tiny-densenet.legacy.pt'));
  let server: Server;
  let base = '';
  let closedPort = 0;

  beforeAll(async () => {
    // A mirror on loopback: /weights.pt serves a real checkpoint, /silent accepts and never answers.
    server = createServer((request, response) => {
      if (request.url === '/weights.pt') response.end(tiny);
      else if (request.url !== '/silent') response.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    // A port that was just free and is closed again: connecting to it is refused at once.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    closedPort = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  describe('without a reachable server', () => {
    it('should fail naming the URL and the import command when nothing listens', async () => {
      const url = `http://127.0.0.1:${closedPort}/weights.pt`;
      const { code, out } = await run(['fetch', '--url', url, '--models-dir', dir]);
      expect(code).toBe(1);
      expect(out).toContain(`cannot download ${url} (fetch failed: connect ECONNREFUSED`);
      expect(out).toMatch(/cxr-findings model import nih-pc-chex-mimic_ch-google-openi-kaggle-densenet121-d121-tw-lr001-rot45-tr15-sc15-seed0-best\.pt/);
    });

    it('should give up on a server that never answers, saying so', async () => {
      const { code, out } = await run(['fetch', '--url', `${base}/silent`, '--timeout-ms', '300', '--models-dir', dir]);
      expect(code).toBe(1);
      expect(out).toMatch(/cannot download .*\/silent \(no answer within 300 ms\)/);
    });

    it('should report an HTTP error status', async () => {
      const { code, out } = await run(['fetch', '--url', `${base}/missing.pt`, '--models-dir', dir]);
      expect(code).toBe(1);
      expect(out).toMatch(/cannot download .*\/missing\.pt \(HTTP 404/);
    });
  });

  describe('with a server', () => {
    it('should download and then refuse a file that is not the published one, writing no model', async () => {
      await expect(run(['fetch', '--url', `${base}/weights.pt`, '--models-dir', dir])).rejects.toThrow(/model import --strict: .* expects 28382008 bytes .*Refused/);
      expect(readdirSync(dir)).toEqual([]);
    });
  });
});
