/**
 * The only requests the viewer's proxy forwards to Orthanc: DICOMweb reads (QIDO-RS, WADO-RS, PS3.18
 * §10.4 and §10.6), WADO-URI (PS3.18 §9), and STOW-RS (§10.5) where the caller may store. Matched on
 * the whole path, segment by segment, against UIDs (PS3.5 §9.1: digits and dots, at most 64) and the
 * fixed words of the standard, so nothing else of Orthanc's REST API can be named through it.
 * The path has already passed checkRequestTarget (no encoding tricks, no dot segments).
 */

export type DicomWebAction =
  /** QIDO-RS: a study, series or instance search. */
  | 'search'
  /** WADO-RS metadata. */
  | 'metadata'
  /** WADO-RS instances, frames, bulk data, rendered and thumbnail images; WADO-URI. */
  | 'retrieve'
  /** STOW-RS. */
  | 'store';

export interface AllowedDicomWebRequest {
  readonly action: DicomWebAction;
  /** The path sent to Orthanc (the one matched). */
  readonly path: string;
  /** The query sent to Orthanc, rebuilt from the parsed parameters. */
  readonly query: URLSearchParams;
  readonly StudyInstanceUID?: string;
  readonly SeriesInstanceUID?: string;
  readonly SOPInstanceUID?: string;
}

export interface DicomWebRefusal {
  readonly status: 400 | 403 | 404 | 405;
  readonly message: string;
}

const uid = /^[0-9]+(?:\.[0-9]+)*$/;
const maxUidLength = 64;
/** A frame list (PS3.18 §8.3.3.1 "frames/{frameList}"): positive integers separated by commas. */
const frameList = /^[1-9][0-9]{0,8}(?:,[1-9][0-9]{0,8})*$/;
/** Orthanc's BulkDataURI tail: `bulk/{tag}` or a path of tags and item indices into sequences. */
const bulkTag = /^[0-9A-Fa-f]{8}$/;
const itemIndex = /^[0-9]{1,6}$/;

/** QIDO parameter names (PS3.18 §8.3.4): keywords, tags and sequence paths of them, or the fixed ones. */
const parameterName = /^[A-Za-z0-9]+(?:\.[A-Za-z0-9]+)*$/;
const maxParameters = 64;

/** WADO-URI parameters (PS3.18 §9.1.2); anything else is refused rather than passed on. */
const wadoUriParameters = new Set([
  'requestType',
  'studyUID',
  'seriesUID',
  'objectUID',
  'contentType',
  'charset',
  'anonymize',
  'annotation',
  'rows',
  'columns',
  'region',
  'windowCenter',
  'windowWidth',
  'frameNumber',
  'imageQuality',
  'presentationUID',
  'presentationSeriesUID',
  'transferSyntax',
]);

function isUid(text: string | undefined): text is string {
  return text !== undefined && text.length <= maxUidLength && uid.test(text);
}

/**
 * OHIF asks `includefield=00081030%2C00080060` (dicomweb-client encodes the comma); Orthanc's DICOMweb
 * plugin 1.7 splits only on a literal comma and ignores the encoded list, so the study list showed no
 * descriptions. PS3.18 §8.3.4.3 allows repeating the parameter instead, which the plugin reads: the
 * proxy sends that.
 */
function expandIncludeFields(query: URLSearchParams): URLSearchParams {
  const out = new URLSearchParams();
  for (const [name, value] of query) {
    if (name.toLowerCase() !== 'includefield') {
      out.append(name, value);
      continue;
    }
    for (const field of value.split(',')) {
      const trimmed = field.trim();
      if (trimmed !== '') out.append('includefield', trimmed);
    }
  }
  return out;
}

function checkParameters(query: URLSearchParams): DicomWebRefusal | undefined {
  let count = 0;
  for (const [name] of query) {
    count += 1;
    if (!parameterName.test(name)) return { status: 400, message: `the query parameter '${name.slice(0, 64)}' is not a DICOM attribute or QIDO parameter name` };
  }
  if (count > maxParameters) return { status: 400, message: `the query has more than ${maxParameters} parameters` };
  return undefined;
}

type Matched = Omit<AllowedDicomWebRequest, 'query' | 'path'>;

/** `segments` after the root (`/dicom-web`): the DICOMweb resource the path names, or undefined. */
function matchDicomWebPath(segments: readonly string[]): Matched | undefined {
  const [level1, study, level2, series, level3, instance, ...rest] = segments;
  // Searches: /studies, /series, /instances, and the ones inside a study or series.
  if (segments.length === 1 && (level1 === 'studies' || level1 === 'series' || level1 === 'instances')) {
    return { action: 'search' };
  }
  if (level1 !== 'studies' || !isUid(study)) return undefined;
  const ids = { StudyInstanceUID: study };
  if (segments.length === 2) return { action: 'retrieve', ...ids };
  if (segments.length === 3) return tail(level2, ids, ['series', 'instances']);
  if (level2 !== 'series' || !isUid(series)) return undefined;
  const seriesIds = { ...ids, SeriesInstanceUID: series };
  if (segments.length === 4) return { action: 'retrieve', ...seriesIds };
  if (segments.length === 5) return tail(level3, seriesIds, ['instances']);
  if (level3 !== 'instances' || !isUid(instance)) return undefined;
  const instanceIds = { ...seriesIds, SOPInstanceUID: instance };
  if (segments.length === 6) return { action: 'retrieve', ...instanceIds };
  const [what, ...more] = rest;
  if (more.length === 0) return tail(what, instanceIds, []);
  if (what === 'frames' && frameList.test(more[0] ?? '')) {
    if (more.length === 1 || (more.length === 2 && more[1] === 'rendered')) return { action: 'retrieve', ...instanceIds };
    return undefined;
  }
  if (what === 'bulk' && bulkTag.test(more[0] ?? '') && more.every((part, i) => (i % 2 === 0 ? bulkTag.test(part) : itemIndex.test(part)))) {
    return { action: 'retrieve', ...instanceIds };
  }
  return undefined;
}

/** The last segment of a study, series or instance path: a search inside it, metadata, or a rendering. */
function tail(word: string | undefined, ids: Omit<Matched, 'action'>, searches: readonly string[]): Matched | undefined {
  if (word !== undefined && searches.includes(word)) return { ...ids, action: 'search' };
  if (word === 'metadata') return { ...ids, action: 'metadata' };
  if (word === 'rendered' || word === 'thumbnail') return { ...ids, action: 'retrieve' };
  return undefined;
}

export interface DicomWebRequestInput {
  readonly method: string;
  /** The path as received, e.g. `/dicom-web/studies/1.2.3/metadata`. */
  readonly path: string;
  readonly search: URLSearchParams;
  /** Whether this caller may use STOW-RS (configured on and the store role). */
  readonly mayStore: boolean;
}

export interface DicomWebRoots {
  /** `/dicom-web` */
  readonly dicomWeb: string;
  /** `/wado` */
  readonly wadoUri: string;
}

/** Decides one proxy request: what to forward, or why not. */
export function allowDicomWebRequest(input: DicomWebRequestInput, roots: DicomWebRoots): AllowedDicomWebRequest | DicomWebRefusal {
  const { method, path } = input;
  const reading = method === 'GET' || method === 'HEAD';
  const parameterProblem = checkParameters(input.search);
  if (parameterProblem) return parameterProblem;

  if (path === roots.wadoUri) {
    if (!reading) return { status: 405, message: `${method} ${path}: WADO-URI is read with GET or HEAD only` };
    return allowWadoUri(input);
  }
  if (!path.startsWith(`${roots.dicomWeb}/`)) return { status: 404, message: `${path} is not a DICOMweb path this proxy serves` };
  const segments = path.slice(roots.dicomWeb.length + 1).split('/');
  const matched = matchDicomWebPath(segments);
  if (!matched) return { status: 404, message: `${path} is not a DICOMweb route this proxy serves (QIDO-RS, WADO-RS, WADO-URI)` };
  if (reading) return { ...matched, path, query: matched.action === 'search' ? expandIncludeFields(input.search) : input.search };
  const stowPath = segments[0] === 'studies' && (segments.length === 1 || (segments.length === 2 && isUid(segments[1])));
  if (method !== 'POST' || !stowPath) return { status: 405, message: `${method} ${path}: the DICOMweb proxy reads with GET or HEAD only` };
  // STOW-RS: POST /studies or /studies/{uid} (PS3.18 §10.5.1).
  if (!input.mayStore) return { status: 403, message: `POST ${path}: storing (STOW-RS) is turned off or not allowed for this user` };
  return { action: 'store', path, query: new URLSearchParams(), ...(segments[1] ? { StudyInstanceUID: segments[1] } : {}) };
}

function allowWadoUri(input: DicomWebRequestInput): AllowedDicomWebRequest | DicomWebRefusal {
  const { search, path } = input;
  for (const [name] of search) {
    if (!wadoUriParameters.has(name)) return { status: 400, message: `${path}: '${name.slice(0, 64)}' is not a WADO-URI parameter` };
  }
  for (const name of ['studyUID', 'seriesUID', 'objectUID'] as const) {
    const values = search.getAll(name);
    if (values.length !== 1 || !isUid(values[0])) return { status: 400, message: `${path}: WADO-URI needs exactly one ${name}, a UID` };
  }
  if (search.get('requestType') !== 'WADO') return { status: 400, message: `${path}: requestType must be WADO` };
  return {
    action: 'retrieve',
    path,
    query: search,
    StudyInstanceUID: search.get('studyUID') as string,
    SeriesInstanceUID: search.get('seriesUID') as string,
    SOPInstanceUID: search.get('objectUID') as string,
  };
}

/**
 * The query as sent to Orthanc: every name and value percent-encoded (RFC 3986 §2.1; a space as %20,
 * not the form encoding's `+`, which Orthanc does not read as a space).
 */
export function serializeQuery(query: URLSearchParams): string {
  return [...query].map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`).join('&');
}

export function isRefusal(value: AllowedDicomWebRequest | DicomWebRefusal): value is DicomWebRefusal {
  return 'status' in value;
}
