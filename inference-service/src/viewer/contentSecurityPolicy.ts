import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';

/**
 * The viewer's Content-Security-Policy (CSP Level 3). OHIF's index.html carries two small inline
 * scripts; they are allowed by their SHA-256, read from the installed file, so no other inline script
 * runs. The codecs are WebAssembly ('wasm-unsafe-eval'); images and workers come from blob: URLs;
 * OHIF's styles are inline. Only this origin (and the identity provider, with OpenID Connect) is
 * reachable, and no other site may frame the viewer (frame-ancestors, with X-Frame-Options for old browsers).
 * The image decoders' worker runs Emscripten's embind, which compiles glue code with `new Function`: a
 * worker script (a request with `Sec-Fetch-Dest: worker`) gets 'unsafe-eval' in its own realm, which
 * has no DOM and no cookies to steal; the page itself never does.
 */

const inlineScript = /<script(?:\s[^>]*)?>([\s\S]*?)<\/script>/gi;

export function inlineScriptHashes(html: string): string[] {
  const hashes: string[] = [];
  for (const match of html.matchAll(inlineScript)) {
    const opening = match[0].slice(0, match[0].indexOf('>'));
    const body = match[1] ?? '';
    if (/\ssrc\s*=/.test(opening) || body === '') continue;
    hashes.push(`'sha256-${createHash('sha256').update(body, 'utf8').digest('base64')}'`);
  }
  return hashes;
}

export function contentSecurityPolicy(scriptHashes: readonly string[], issuer?: string, options: { worker?: boolean } = {}): string {
  const provider = issuer ? ` ${new URL(issuer).origin}` : '';
  return [
    "default-src 'self'",
    `script-src 'self' 'wasm-unsafe-eval'${options.worker ? " 'unsafe-eval'" : ''} ${scriptHashes.join(' ')}`.trim(),
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    `connect-src 'self'${provider}`,
    "worker-src 'self' blob:",
    `frame-src 'self'${provider}`,
    "frame-ancestors 'none'",
    "form-action 'self'" + provider,
    "base-uri 'self'",
    "object-src 'none'",
  ].join('; ');
}

const workerDestinations = new Set(['worker', 'sharedworker', 'serviceworker']);

/** The policy for one installed viewer (its inline scripts' hashes read once from its index.html), by fetch destination. */
export function viewerContentSecurityPolicy(indexHtmlPath: string, issuer?: string): (fetchDest: string | undefined) => Promise<string> {
  let hashes: Promise<string[]> | undefined;
  return async (fetchDest) => {
    hashes ??= readFile(indexHtmlPath, 'utf8').then(inlineScriptHashes, () => []);
    return contentSecurityPolicy(await hashes, issuer, { worker: fetchDest !== undefined && workerDestinations.has(fetchDest) });
  };
}
