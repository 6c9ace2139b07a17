import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';

/**
 * Agents that keep Orthanc's connections open between requests. Orthanc 1.10 answers `Keep-Alive:
 * timeout=1`, and Node's agent drops a socket whose server allows under two seconds, keeping a second in
 * hand (http.Agent#keepSocketAlive): every request to Orthanc then paid a new TCP connection, on both
 * sides (963 connects for 120 arrivals in the bench). Here an idle socket is kept for half the server's
 * allowance instead, so it is closed by us well before the server would; a request that still meets a
 * socket the server closed is retried by HttpExchange when it is idempotent, and the SR outbox retries a
 * store at once when the connection failed.
 */
const serverAllowanceMs = Symbol('serverAllowanceMs');

type NotedSocket = Socket & { [serverAllowanceMs]?: number };

/** Records what the server's Keep-Alive header allows (called as the answer arrives, before the socket is freed). */
export function noteKeepAlive(socket: Socket, header: string | string[] | undefined): void {
  const seconds = /^timeout=(\d+)/.exec((Array.isArray(header) ? header[0] : header) ?? '')?.[1];
  (socket as NotedSocket)[serverAllowanceMs] = seconds === undefined ? undefined : Number(seconds) * 1000;
}

function keep(socket: Socket): boolean | undefined {
  const allowance = (socket as NotedSocket)[serverAllowanceMs];
  if (allowance === undefined || allowance <= 0) return undefined;
  socket.setKeepAlive(true, 1000);
  socket.unref();
  socket.setTimeout(allowance / 2);
  return true;
}

export class KeptAliveHttpAgent extends http.Agent {
  constructor() {
    super({ keepAlive: true });
  }

  override keepSocketAlive(socket: Socket): boolean | void {
    return keep(socket) ?? super.keepSocketAlive(socket);
  }
}

export class KeptAliveHttpsAgent extends https.Agent {
  constructor() {
    super({ keepAlive: true });
  }

  override keepSocketAlive(socket: Socket): boolean | void {
    return keep(socket) ?? super.keepSocketAlive(socket);
  }
}

/** Requests over the kept-alive agent of the URL's scheme; what HttpExchange and the viewer proxy send through. */
export class KeptAliveConnections {
  readonly #httpAgent = new KeptAliveHttpAgent();
  readonly #httpsAgent = new KeptAliveHttpsAgent();

  request(url: URL, options: http.RequestOptions): http.ClientRequest {
    return url.protocol === 'https:' ? https.request(url, { ...options, agent: this.#httpsAgent }) : http.request(url, { ...options, agent: this.#httpAgent });
  }

  /** Closes the idle sockets, so a process can exit without waiting for them. */
  destroy(): void {
    this.#httpAgent.destroy();
    this.#httpsAgent.destroy();
  }
}

/** Whether a request failed on a kept-alive socket the server had closed while it was idle. */
export function metClosedSocket(request: http.ClientRequest, error: NodeJS.ErrnoException): boolean {
  return request.reusedSocket && error.code === 'ECONNRESET';
}
