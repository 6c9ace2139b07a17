import type { Context } from 'hono';
import { apiErrorCodes, errorBody } from '../api/errors.ts';
import { type AllowedDicomWebRequest, allowDicomWebRequest, type DicomWebRoots, isRefusal, serializeQuery } from './dicomWebAllowList.ts';
import { UpstreamExchange } from './upstreamExchange.ts';

/**
 * A reverse proxy from the viewer's origin to Orthanc's DICOMweb and WADO-URI. Orthanc sends no CORS
 * headers, so the browser must reach it same-origin; the proxy adds Orthanc's credentials on the server
 * so the browser never holds them. It forwards DICOMweb reads only (dicomWebAllowList.ts). Bodies are
 * streamed both ways (multipart/related stays byte-exact), over kept-alive connections (upstreamExchange.ts).
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
 * Request headers that go to Orthanc: what content negotiation and caching need, and the type of a
 * STOW-RS body. Everything else stays on this side: the browser's credentials and cookies are for the
 * sidecar, and a header Orthanc honours that we did not think of (X-HTTP-Method-Override turned a GET
 * into a DELETE) must not pass by default.
 */
const requestHeadersForwarded = ['accept', 'accept-language', 'content-type', 'if-none-match', 'if-modified-since', 'range'] as const;

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

function forwardedRequestHeaders(source: Headers): Headers {
  const out = new Headers();
  for (const name of requestHeadersForwarded) {
    const value = source.get(name);
    if (value !== null) out.set(name, value);
  }
  return out;
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

export interface OrthancProxyOptions {
  readonly target: OrthancTarget;
  readonly roots: DicomWebRoots;
  /** Whether the caller may store with STOW-RS (configured on, and a role allowed to); default never. */
  readonly mayStore?: (c: Context) => boolean;
  /** Told of each forwarded request once Orthanc answered (or did not: status 502), e.g. for the audit log. */
  readonly onAnswered?: (c: Context, request: AllowedDicomWebRequest, status: number) => void;
}

/** Error codes of the proxy's refusals, in the API's error format. */
const refusalCodes = { 400: apiErrorCodes.invalidRequest, 403: apiErrorCodes.forbidden, 404: apiErrorCodes.notFound, 405: apiErrorCodes.methodNotAllowed } as const;

/**
 * Builds the handler. Only what `allowDicomWebRequest` allows leaves the sidecar, and it leaves as the
 * path it matched and a query rebuilt from parsed parameters, never as the bytes that arrived.
 * `Forwarded` (RFC 7239) tells Orthanc's DICOMweb plugin the origin the browser used, so the URLs it
 * writes into QIDO answers (RetrieveURL) point at this proxy, not at Orthanc. The plugin does not
 * unquote values, so the host is sent bare even when it carries a port.
 */
export function orthancProxy(options: OrthancProxyOptions): (c: Context) => Promise<Response> {
  const { target } = options;
  const base = target.url.replace(/\/+$/, '');
  const authorization =
    target.username !== undefined && target.password !== undefined ? basicAuthorization(target.username, target.password) : undefined;
  const exchange = new UpstreamExchange();

  return async (c) => {
    const incoming = new URL(c.req.url);
    const method = c.req.method;
    const decision = allowDicomWebRequest(
      { method, path: incoming.pathname, search: incoming.searchParams, mayStore: options.mayStore?.(c) ?? false },
      options.roots,
    );
    if (isRefusal(decision)) {
      if (decision.status === 405) c.header('Allow', 'GET, HEAD');
      return c.json(errorBody(refusalCodes[decision.status], decision.message), decision.status);
    }
    const query = serializeQuery(decision.query);
    const upstreamUrl = `${base}${decision.path}${query ? `?${query}` : ''}`;
    const headers = forwardedRequestHeaders(c.req.raw.headers);
    // Identity: what arrives is streamed through unchanged, so Content-Length stays true.
    headers.set('accept-encoding', 'identity');
    headers.set('forwarded', `host=${incoming.host};proto=${incoming.protocol.replace(/:$/, '')}`);
    if (authorization) headers.set('authorization', authorization);

    const hasBody = decision.action === 'store';
    let upstream: Response;
    try {
      // node:http follows no redirect: an answer that points elsewhere goes back to the browser as it is.
      upstream = await exchange.send(new URL(upstreamUrl), { method, headers, body: hasBody ? c.req.raw.body : null, signal: c.req.raw.signal });
    } catch (error) {
      options.onAnswered?.(c, decision, 502);
      const reason = error instanceof Error ? error.message : String(error);
      return c.json(
        errorBody(apiErrorCodes.orthancUnavailable, `${method} ${incoming.pathname}: Orthanc at ${base} did not answer (${reason})`),
        502,
      );
    }
    options.onAnswered?.(c, decision, upstream.status);
    return new Response(method === 'HEAD' ? null : upstream.body, {
      status: upstream.status,
      statusText: upstream.statusText,
      headers: filteredHeaders(upstream.headers, responseHeadersNotForwarded),
    });
  };
}
