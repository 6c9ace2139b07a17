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

  it('should send the request again on a new connection when a kept-alive one was closed under it', async () => {
    let requests = 0;
    const server = await serve((request, response, seen) => {
      requests += 1;
      // The second request arrives on the kept-alive socket: drop it unanswered, as a server timing out idle sockets does.
      if (seen.has(request.socket)) {
        request.socket.destroy();
        return;
      }
      seen.add(request.socket);
      response.end('ok');
    });
    const exchange = new HttpExchange();
    cleanups.push(server.close, () => exchange.close());
    await exchange.send(server.url, { method: 'GET', headers: {}, timeoutMs: 2000 });
    const answer = await exchange.send(server.url, { method: 'POST', headers: {}, body: 'x', timeoutMs: 2000 });
    expect(answer.body.toString()).toBe('ok');
    expect(requests).toBe(3);
  });

  it('should fail with a clear reason when the server does not answer in time, or is not there', async () => {
    const server = await serve(() => undefined);
    const exchange = new HttpExchange();
    cleanups.push(server.close, () => exchange.close());
    await expect(exchange.send(server.url, { method: 'GET', headers: {}, timeoutMs: 150 })).rejects.toThrow(new HttpExchangeError('no answer within 150 ms'));
    await server.close();
    await expect(exchange.send(server.url, { method: 'GET', headers: {}, timeoutMs: 500 })).rejects.toThrow('ECONNREFUSED');
  });
});
