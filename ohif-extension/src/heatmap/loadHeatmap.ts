import { authorizationHeaders } from '../sidecarAuthorization.ts';
import type { SeriesRef } from '../findings/imageFindings.ts';

/** One finding's heatmap: `width × height` values in [0, 1], row-major, laid over the whole image. */
export interface HeatmapFrame {
  readonly width: number;
  readonly height: number;
  readonly values: Float32Array;
}

/** Where the viewer's DICOMweb is: the data source's wadoRoot; the sidecar's same-origin proxy by default. */
let dicomWebRoot = '/dicom-web';

export function useDicomWebRoot(root: string | undefined): void {
  if (root && /^(https?:\/\/|\/)/.test(root)) dicomWebRoot = root.replace(/\/+$/, '');
}

/** (7FE0,0008) Float Pixel Data, as a WADO-RS bulk data path (PS3.18 §8.3.3.3; Orthanc's DICOMweb serves it). */
const floatPixelDataTag = '7fe00008';
/** DICOM JSON tags of the geometry we need (PS3.18 F.2). */
const tags = { rows: '00280010', columns: '00280011', frames: '00280008' } as const;

/** Per Parametric Map: its decoded frames, fetched once per page (a few hundred kB for ten findings). */
const maps = new Map<string, Promise<HeatmapFrame[]>>();

/**
 * The frames of the Parametric Map the result references. WADO-RS frame retrieval does not serve Float
 * Pixel Data (Orthanc answers 400), so the pixels come as bulk data and the geometry from the instance's
 * metadata; nothing is guessed: a size that does not match the bytes is an error.
 */
export function loadHeatmapFrames(ref: SeriesRef): Promise<HeatmapFrame[]> {
  let frames = maps.get(ref.SOPInstanceUID);
  if (!frames) {
    frames = fetchFrames(ref);
    // A failure is not kept: the next press tries again.
    frames.catch(() => maps.delete(ref.SOPInstanceUID));
    maps.set(ref.SOPInstanceUID, frames);
  }
  return frames;
}

async function fetchFrames(ref: SeriesRef): Promise<HeatmapFrame[]> {
  const base = `${dicomWebRoot}/studies/${ref.StudyInstanceUID}/series/${ref.SeriesInstanceUID}/instances/${ref.SOPInstanceUID}`;
  const [metadata, bulk] = await Promise.all([
    get(`${base}/metadata`, 'application/dicom+json').then((r) => r.json() as Promise<unknown>),
    get(`${base}/bulk/${floatPixelDataTag}`, 'multipart/related; type="application/octet-stream"'),
  ]);
  const attributes = Array.isArray(metadata) ? (metadata[0] as Record<string, { Value?: unknown[] }> | undefined) : undefined;
  const number = (tag: string): number => Number(attributes?.[tag]?.Value?.[0]);
  const width = number(tags.columns);
  const height = number(tags.rows);
  const count = number(tags.frames);
  if (![width, height, count].every((n) => Number.isInteger(n) && n > 0)) throw new Error('the heatmaps object has no valid Rows, Columns and NumberOfFrames');
  const body = firstPart(new Uint8Array(await bulk.arrayBuffer()), bulk.headers.get('content-type') ?? '');
  const frameBytes = width * height * 4;
  if (body.byteLength !== frameBytes * count) throw new Error(`the heatmaps' pixel data holds ${body.byteLength} bytes, ${count} frames of ${width}×${height} need ${frameBytes * count}`);
  // Float Pixel Data is little-endian in Explicit VR Little Endian, as every browser's Float32Array is here.
  const all = new Float32Array(body.slice().buffer);
  return Array.from({ length: count }, (_, f) => ({ width, height, values: all.subarray((f * frameBytes) / 4, ((f + 1) * frameBytes) / 4) }));
}

async function get(url: string, accept: string): Promise<Response> {
  const response = await fetch(url, { credentials: 'same-origin', headers: { Accept: accept, ...authorizationHeaders() } });
  if (!response.ok) throw new Error(`the heatmaps could not be loaded (HTTP ${response.status})`);
  return response;
}

/** The body of the first part of a multipart/related answer (RFC 2046 §5.1), by its boundary. */
export function firstPart(bytes: Uint8Array, contentType: string): Uint8Array {
  const boundary = /boundary="?([^";]+)"?/i.exec(contentType)?.[1];
  if (!boundary) throw new Error('the heatmaps came without a multipart boundary');
  const delimiter = new TextEncoder().encode(`--${boundary}`);
  const start = indexOf(bytes, delimiter, 0);
  const headersEnd = start < 0 ? -1 : indexOf(bytes, new TextEncoder().encode('\r\n\r\n'), start);
  if (headersEnd < 0) throw new Error('the heatmaps answer has no multipart part');
  const bodyStart = headersEnd + 4;
  const end = indexOf(bytes, new TextEncoder().encode(`\r\n--${boundary}`), bodyStart);
  if (end < 0) throw new Error('the heatmaps answer ends inside its part');
  return bytes.subarray(bodyStart, end);
}

function indexOf(bytes: Uint8Array, pattern: Uint8Array, from: number): number {
  const first = pattern[0];
  outer: for (let i = bytes.indexOf(first ?? 0, from); i >= 0 && i <= bytes.length - pattern.length; i = bytes.indexOf(first ?? 0, i + 1)) {
    for (let j = 1; j < pattern.length; j++) if (bytes[i + j] !== pattern[j]) continue outer;
    return i;
  }
  return -1;
}
