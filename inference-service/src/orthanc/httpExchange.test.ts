import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpExchange, HttpExchangeError } from './httpExchange.ts';

/** A real local server whose handler decides, per request, what to do with the socket. */
async function serve(handle: (request: http.IncomingMessage, response: http.ServerResponse, seen: Set<Socket>) => void) {
  const seen = new Set<Socket>();
  const server = http.createServer((request, response) => handle(request, response, seen));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, seen, close: () => new Promise<void>((resolve) => server.close(() => resolve())).then(() => server.closeAllConnections()) };
}

describe('HttpExchange', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup();
  });

  it('should reuse one connection for consecutive requests and return status and body', async () => {
    const server = await serve((request, response, seen) => {
      seen.add(request.socket);
      response.end(`${request.method} ${request.url}`);
    });
    const exchange = new HttpExchange();
    cleanups.push(server.close, () => exchange.close());
    for (const path of ['/a', '/b', '/c']) {
      const answer = await exchange.send(server.url + path, { method: 'GET', headers: {}, timeoutMs: 2000 });
      expect([answer.status, answer.body.toString()]).toEqual([200, `GET ${path}`]);
    }
    expect(server.seen.size).toBe(1);
  });

  describe('when a kept-alive connection was closed under a request', () => {
    /** A server that drops, unanswered, every request arriving on a socket it has already answered on. */
    async function droppingReusedSockets() {
      const received: string[] = [];
      const server = await serve((request, response, seen) => {
        received.push(`${request.method} ${request.url}`);
        if (seen.has(request.socket)) {
          request.socket.destroy();
          return;
        }
        seen.add(request.socket);
        response.end('ok');
      });
      const exchange = new HttpExchange();
      cleanups.push(server.close, () => exchange.close());
      await exchange.send(`${server.url}/first`, { method: 'GET', headers: {}, timeoutMs: 2000 });
      return { server, exchange, received };
    }

    it('should send an idempotent request again on a new connection', async () => {
      const { server, exchange, received } = await droppingReusedSockets();
      const answer = await exchange.send(`${server.url}/again`, { method: 'GET', headers: {}, timeoutMs: 2000 });
      expect(answer.body.toString()).toBe('ok');
      expect(received).toEqual(['GET /first', 'GET /again', 'GET /again']);
    });

    it('should send a read-only POST its caller marked idempotent again', async () => {
      const { server, exchange, received } = await droppingReusedSockets();
      const answer = await exchange.send(`${server.url}/lookup`, { method: 'POST', headers: {}, body: 'x', timeoutMs: 2000, idempotent: true });
      expect(answer.body.toString()).toBe('ok');
      expect(received).toEqual(['GET /first', 'POST /lookup', 'POST /lookup']);
    });

    it('should not send a POST again: the server may already have acted on it', async () => {
      const { server, exchange, received } = await droppingReusedSockets();
      await expect(exchange.send(`${server.url}/store`, { method: 'POST', headers: {}, body: 'x', timeoutMs: 2000 })).rejects.toThrow(HttpExchangeError);
      // Give a resend, were there one, time to arrive.
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(received).toEqual(['GET /first', 'POST /store']);
    });
  });

  it('should fail with a clear reason when the server does not answer in time, or is not there', async () => {
    const server = await serve(() => undefined);
    const exchange = new HttpExchange();
    cleanups.push(server.close, () => exchange.close());
    await expect(exchange.send(server.url, { method: 'GET', headers: {}, timeoutMs: 150 })).rejects.toMatchObject({ message: 'no answer within 150 ms', timedOut: true });
    await server.close();
    await expect(exchange.send(server.url, { method: 'GET', headers: {}, timeoutMs: 500 })).rejects.toThrow('ECONNREFUSED');
  });
});
