import { operatingPoint } from '../../../inference-service/src/finding/rules.ts';
import { findingName } from './findingNames.ts';
import { type FindingRegion, findingRegion, type HeatmapSource, type ImageFindings, isModelKind, type ModelIdentity } from './imageFindings.ts';

/** The classify API's scores are op_norm outputs in [0, 1] around the operating point; the SR's are percent. */
const percent = 100;
const operatingPointPercent = operatingPoint * percent;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/** The model as the SR names it: `GET /api/model`'s card gives the name; the answer gives id, kind and hash. */
export function modelFromResponse(model: unknown, cardName?: string): ModelIdentity | undefined {
  if (!isRecord(model)) return undefined;
  const id = text(model.id);
  const sha = text(model.onnxSha256);
  if (!id || !isModelKind(model.kind)) return undefined;
  const warning = text(model.warning);
  return {
    name: cardName ?? id,
    version: sha ? `${id}@${sha.slice(0, 12)}` : id,
    kind: model.kind,
    ...(warning ? { warning } : {}),
  };
}

/** The answer's `heatmaps`: the Parametric Map stored for the image and its frame of each positive finding. */
function heatmapFromResponse(value: unknown, StudyInstanceUID: string): HeatmapSource | undefined {
  if (!isRecord(value) || !isRecord(value.frames)) return undefined;
  const SeriesInstanceUID = text(value.SeriesInstanceUID);
  const SOPInstanceUID = text(value.SOPInstanceUID);
  if (!SeriesInstanceUID || !SOPInstanceUID) return undefined;
  const frames = new Map<string, number>();
  for (const [label, frame] of Object.entries(value.frames)) {
    if (typeof frame === 'number' && Number.isInteger(frame) && frame > 0) frames.set(findingName(label), frame);
  }
  return frames.size > 0 ? { kind: 'parametric-map', ref: { StudyInstanceUID: text(value.StudyInstanceUID) ?? StudyInstanceUID, SeriesInstanceUID, SOPInstanceUID }, frames } : undefined;
}

/** The answer's `regions`: each positive finding's region as the result's SCOORD; malformed ones are left out. */
function regionsFromResponse(value: unknown): ReadonlyMap<string, FindingRegion> | undefined {
  if (!isRecord(value)) return undefined;
  const regions = new Map<string, FindingRegion>();
  for (const [label, entry] of Object.entries(value)) {
    if (!isRecord(entry) || !Array.isArray(entry.points)) continue;
    const points = entry.points.filter((point): point is [number, number] => Array.isArray(point) && point.length === 2 && point.every((n) => typeof n === 'number'));
    const region = points.length === entry.points.length ? findingRegion(entry.graphicType, points) : undefined;
    if (region) regions.set(findingName(label), region);
  }
  return regions.size > 0 ? regions : undefined;
}

/**
 * Reads `POST /api/classify`'s `results`: one entry per image, with its findings (also when the SR
 * already existed: the sidecar reads them back from it) and the SR it stored. Entries without
 * findings or with a malformed image reference are left out, never guessed.
 */
export function imageFindingsFromClassifyResponse(body: unknown, cardName?: string): ImageFindings[] {
  if (!isRecord(body) || !Array.isArray(body.results)) return [];
  const model = modelFromResponse(body.model, cardName);
  if (!model) return [];
  const images: ImageFindings[] = [];
  for (const result of body.results) {
    if (!isRecord(result) || !isRecord(result.findings)) continue;
    const StudyInstanceUID = text(result.StudyInstanceUID);
    const SeriesInstanceUID = text(result.SeriesInstanceUID);
    const SOPInstanceUID = text(result.SOPInstanceUID);
    if (!StudyInstanceUID || !SeriesInstanceUID || !SOPInstanceUID) continue;
    const findings = Object.entries(result.findings)
      .filter((entry): entry is [string, number] => typeof entry[1] === 'number' && Number.isFinite(entry[1]))
      .map(([label, value]) => ({ name: findingName(label), score: value * percent, operatingPoint: operatingPointPercent }));
    if (findings.length === 0) continue;
    const sr = isRecord(result.sr) ? result.sr : undefined;
    const report =
      sr && text(sr.StudyInstanceUID) && text(sr.SeriesInstanceUID) && text(sr.SOPInstanceUID)
        ? { StudyInstanceUID: String(sr.StudyInstanceUID), SeriesInstanceUID: String(sr.SeriesInstanceUID), SOPInstanceUID: String(sr.SOPInstanceUID) }
        : undefined;
    const heatmap = heatmapFromResponse(result.heatmaps, StudyInstanceUID);
    const regions = regionsFromResponse(result.regions);
    images.push({
      image: { StudyInstanceUID, SeriesInstanceUID, SOPInstanceUID },
      model,
      findings,
      ...(report ? { report } : {}),
      ...(heatmap ? { heatmap } : {}),
      ...(regions ? { regions } : {}),
      source: 'classify-response',
    });
  }
  return images;
}
