/**
 * Refuses request targets that mean one thing to us and another to whoever reads them next. Orthanc
 * decodes `%2f` before routing, so `/dicom-web/..%2fsystem` reached its REST API; a URL parser folds
 * `..` and `%2e%2e`; a Windows-minded server treats `\` as `/`. No route of this sidecar needs any of
 * these, so the whole app refuses them before routing (RFC 3986 §3.3, §5.2.4; overlong UTF-8: RFC 3629 §3).
 */

export interface TargetRefusal {
  /** A short, stable reason for logs and tests. */
  readonly reason:
    | 'not-origin-form'
    | 'control-character'
    | 'backslash'
    | 'empty-segment'
    | 'dot-segment'
    | 'bad-percent-encoding'
    | 'encoded-delimiter'
    | 'double-encoding'
    | 'invalid-utf8'
    | 'too-long';
  readonly message: string;
}

/** Long enough for any DICOMweb path with three 64-character UIDs and a QIDO query; far below Node's 16 KB header cap. */
export const maxRequestTargetLength = 4096;

const utf8 = new TextDecoder('utf-8', { fatal: true });

function refusal(reason: TargetRefusal['reason'], message: string): TargetRefusal {
  return { reason, message };
}

/** Bytes of a percent-encoded string, or undefined when a `%` is not followed by two hex digits. */
function percentDecodedBytes(text: string): Uint8Array | undefined {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code !== 0x25) {
      // Non-ASCII in a raw target is itself refused by the caller; here code units are ASCII.
      bytes.push(code);
      continue;
    }
    const hex = text.slice(i + 1, i + 3);
    if (!/^[0-9A-Fa-f]{2}$/.test(hex)) return undefined;
    bytes.push(Number.parseInt(hex, 16));
    i += 2;
  }
  return Uint8Array.from(bytes);
}

/** Checks one component (the path or the query) for what is refused in both. */
function checkEncoding(component: string, where: 'path' | 'query'): TargetRefusal | undefined {
  // RFC 9112 §3.2: the target is visible ASCII; anything else came through a broken or hostile client.
  if (/[^\x21-\x7e]/.test(component)) return refusal('control-character', `the request ${where} holds a control, space or non-ASCII character`);
  const bytes = percentDecodedBytes(component);
  if (bytes === undefined) return refusal('bad-percent-encoding', `the request ${where} has a '%' not followed by two hex digits`);
  let decoded: string;
  try {
    decoded = utf8.decode(bytes);
  } catch {
    return refusal('invalid-utf8', `the request ${where} decodes to invalid or overlong UTF-8`);
  }
  // eslint-disable-next-line no-control-regex -- finding control characters is the point
  if (/[\x00-\x1f\x7f]/.test(decoded)) return refusal('control-character', `the request ${where} encodes a NUL or control character`);
  if (/%[0-9A-Fa-f]{2}/.test(decoded)) return refusal('double-encoding', `the request ${where} is percent-encoded twice`);
  return undefined;
}

/**
 * `target` is the request line's target as it arrived (`/path?query`), before any URL parser saw it.
 * Returns why it is refused, or undefined when it is plain.
 */
export function checkRequestTarget(target: string): TargetRefusal | undefined {
  if (target.length > maxRequestTargetLength) return refusal('too-long', `the request target is longer than ${maxRequestTargetLength} characters`);
  if (!target.startsWith('/')) return refusal('not-origin-form', 'the request target must be a path starting with /');
  const queryAt = target.indexOf('?');
  const path = queryAt === -1 ? target : target.slice(0, queryAt);
  const query = queryAt === -1 ? '' : target.slice(queryAt + 1);

  const inPath = checkEncoding(path, 'path');
  if (inPath) return inPath;
  if (path.includes('\\')) return refusal('backslash', 'the request path holds a backslash');
  if (/%(?:2f|5c|2e|3b|3f|23)/i.test(path)) return refusal('encoded-delimiter', "the request path percent-encodes '/', '\\', '.', ';', '?' or '#'");
  if (path.includes('//')) return refusal('empty-segment', 'the request path holds an empty segment (//)');
  const segments = path.split('/').slice(1);
  if (segments.some((segment) => segment === '.' || segment === '..')) return refusal('dot-segment', "the request path holds a '.' or '..' segment");
  return checkEncoding(query, 'query');
}
