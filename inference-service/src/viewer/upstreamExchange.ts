import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { KeptAliveConnections, metClosedSocket, noteKeepAlive } from '../orthanc/keptAliveAgent.ts';

/** What the proxy sends on: the allowed request, rebuilt. */
export interface UpstreamRequest {
  readonly method: string;
  readonly headers: Headers;
  /** Streamed as it arrives (STOW-RS); null for reads. */
  readonly body: ReadableStream<Uint8Array> | null;
  /** The browser's request: when it goes, so does Orthanc's. */
  readonly signal: AbortSignal;
}

/** Statuses whose answer has no body; a Response refuses to be made with one. */
const bodylessStatuses = new Set([204, 205, 304]);

class StaleSocketError extends Error {}

/**
 * The viewer proxy's exchanges with Orthanc, bodies streamed both ways, over connections kept between
 * requests. Node's fetch kept none: like Node's own agent it refuses the one second that Orthanc 1.10's
 * `Keep-Alive` allows (keptAliveAgent.ts), so each frame the viewer loads opened a connection, on both
 * sides. A 127 KB frame from Orthanc on localhost took 6.3–8.2 ms through fetch and 1.3–1.7 ms here.
 */
export class UpstreamExchange {
  readonly #connections = new KeptAliveConnections();

  async send(url: URL, request: UpstreamRequest): Promise<Response> {
    try {
      return await this.#once(url, request);
    } catch (error) {
      // A kept-alive socket Orthanc closed while idle fails on first use; a read is sent again on a fresh
      // one. A streamed upload cannot be: its body is partly spent.
      if (error instanceof StaleSocketError && request.body === null) return this.#once(url, request);
      throw error;
    }
  }

  #once(url: URL, request: UpstreamRequest): Promise<Response> {
    return new Promise<Response>((resolve, reject) => {
      const outgoing = this.#connections.request(url, { method: request.method, headers: Object.fromEntries(request.headers), signal: request.signal });
      outgoing.on('error', (error: NodeJS.ErrnoException) => {
        reject(metClosedSocket(outgoing, error) ? new StaleSocketError(error.message, { cause: error }) : error);
      });
      outgoing.on('response', (incoming) => {
        noteKeepAlive(incoming.socket, incoming.headers['keep-alive']);
        try {
          resolve(asResponse(incoming, request.method));
        } catch (error) {
          incoming.destroy();
          reject(error instanceof Error ? error : new Error(String(error)));
        }
      });
      if (request.body === null) {
        outgoing.end();
        return;
      }
      const body = Readable.fromWeb(request.body as Parameters<typeof Readable.fromWeb>[0]);
      body.on('error', (error) => outgoing.destroy(error));
      body.pipe(outgoing);
    });
  }
}

function asResponse(incoming: IncomingMessage, method: string): Response {
  const headers = new Headers();
  const raw = incoming.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) headers.append(raw[i] as string, raw[i + 1] as string);
  const status = incoming.statusCode ?? 0;
  if (method === 'HEAD' || bodylessStatuses.has(status)) {
    // Read to its end so the connection is free for the next request.
    incoming.resume();
    return new Response(null, { status, statusText: incoming.statusMessage ?? '', headers });
  }
  return new Response(Readable.toWeb(incoming) as ReadableStream<Uint8Array>, { status, statusText: incoming.statusMessage ?? '', headers });
}
