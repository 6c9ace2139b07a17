import type { Context } from 'hono';
import { apiErrorCodes, errorBody } from '../api/errors.ts';

/**
 * A reverse proxy from the viewer's origin to Orthanc's DICOMweb and WADO-URI. Orthanc sends no CORS
 * headers, so the browser must reach it same-origin; the proxy adds Orthanc's credentials on the server
 * so the browser never holds them. Bodies are streamed both ways (multipart/related stays byte-exact).
 */

export interface OrthancTarget {
  /** Orthanc's base URL, e.g. `http://127.0.0.1:8042` (a path prefix is kept). */
  readonly url: string;
  readonly username?: string;
  readonly password?: string;
}

/** Connection-scoped headers a proxy must not forward (RFC 9110 §7.6.1), plus the old proxy ones. */
const hopByHopHeaders = [
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
] as const;

/**
 * Request headers that stay on this side: the browser's own credentials and cookies are for the
 * sidecar, not Orthanc; Host and the encoding are set for the upstream hop; Forwarded is ours to set.
 */
const requestHeadersNotForwarded = ['host', 'authorization', 'cookie', 'accept-encoding', 'content-length', 'forwarded', 'origin', 'referer'] as const;

/**
 * Response headers that stay on Orthanc's side: a `WWW-Authenticate: Basic` would make the browser
 * prompt for Orthanc's password; Orthanc's cookies are not the viewer's business.
 */
const responseHeadersNotForwarded = ['www-authenticate', 'set-cookie'] as const;

function namedInConnection(headers: Headers): Set<string> {
  const listed = headers.get('connection') ?? '';
  return new Set(
    listed
      .split(',')
      .map((name) => name.trim().toLowerCase())
      .filter((name) => name.length > 0),
  );
}

function filteredHeaders(source: Headers, drop: readonly string[]): Headers {
  const extra = namedInConnection(source);
  const out = new Headers();
  source.forEach((value, name) => {
    const lower = name.toLowerCase();
    if ((hopByHopHeaders as readonly string[]).includes(lower) || drop.includes(lower) || extra.has(lower)) return;
    out.append(name, value);
  });
  return out;
}

export function basicAuthorization(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
}

/**
 * Builds the handler. `Forwarded` (RFC 7239) tells Orthanc's DICOMweb plugin the origin the browser
 * used, so the URLs it writes into QIDO answers (RetrieveURL) point at this proxy, not at Orthanc.
 * The plugin does not unquote values, so the host is sent bare even when it carries a port.
 */
export function orthancProxy(target: OrthancTarget): (c: Context) => Promise<Response> {
  const base = target.url.replace(/\/+$/, '');
  const authorization =
    target.username !== undefined && target.password !== undefined ? basicAuthorization(target.username, target.password) : undefined;

  return async (c) => {
    const incoming = new URL(c.req.url);
    const upstreamUrl = `${base}${incoming.pathname}${incoming.search}`;
    const headers = filteredHeaders(c.req.raw.headers, requestHeadersNotForwarded);
    // Identity: what arrives is streamed through unchanged, so Content-Length stays true.
    headers.set('accept-encoding', 'identity');
    headers.set('forwarded', `host=${incoming.host};proto=${incoming.protocol.replace(/:$/, '')}`);
    if (authorization) headers.set('authorization', authorization);

    const method = c.req.method;
    const hasBody = method !== 'GET' && method !== 'HEAD';
    let upstream: Response;
    try {
      upstream = await fetch(upstreamUrl, {
        method,
        headers,
        body: hasBody ? c.req.raw.body : null,
        // Node's fetch needs this to stream a request body (STOW-RS uploads) instead of buffering it.
        ...(hasBody ? { duplex: 'half' } : {}),
        redirect: 'manual',
        signal: c.req.raw.signal,
      } as RequestInit);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      return c.json(
        errorBody(apiErrorCodes.orthancUnavailable, `${method} ${incoming.pathname}: Orthanc at ${base} did not answer (${reason})`),
        502,
      );
    }
    return new Response(method === 'HEAD' ? null : upstream.body, {
      status: upstream.status,
      statusText: upstream.statusText,
      headers: filteredHeaders(upstream.headers, responseHeadersNotForwarded),
    });
  };
}
