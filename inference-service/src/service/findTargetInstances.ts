import type { OrthancClient } from '../orthanc/orthancClient.ts';
import type { OrthancSimplifiedTags } from '../orthanc/types.ts';
import { TargetNotFoundError } from './errors.ts';
import type { ClassifyTarget } from './types.ts';

/** An instance in Orthanc with the UIDs that identify it. */
export interface StoredInstance {
  readonly orthancId: string;
  readonly StudyInstanceUID: string;
  readonly SeriesInstanceUID: string;
  readonly SOPInstanceUID: string;
}

/** Orthanc's simplified tags hold strings for the UIDs (sequences are arrays, bulk data null). */
function tagText(tags: OrthancSimplifiedTags, keyword: string): string | undefined {
  const value = tags[keyword];
  return typeof value === 'string' ? value : undefined;
}

export function storedInstance(orthancId: string, tags: OrthancSimplifiedTags): StoredInstance {
  const SOPInstanceUID = tagText(tags, 'SOPInstanceUID');
  const SeriesInstanceUID = tagText(tags, 'SeriesInstanceUID');
  const StudyInstanceUID = tagText(tags, 'StudyInstanceUID');
  if (!SOPInstanceUID || !SeriesInstanceUID || !StudyInstanceUID) {
    throw new Error(`Orthanc instance ${orthancId} lacks SOPInstanceUID, SeriesInstanceUID or StudyInstanceUID`);
  }
  return { orthancId, StudyInstanceUID, SeriesInstanceUID, SOPInstanceUID };
}

export function describeTarget(target: ClassifyTarget): string {
  if (target.sopInstanceUID !== undefined) return `instance ${target.sopInstanceUID}`;
  if (target.seriesInstanceUID !== undefined) return `series ${target.seriesInstanceUID}`;
  return `study ${target.studyInstanceUID}`;
}

/**
 * The instances a classify request names, with their tags. Only the narrowest UID given is looked up;
 * the tags then prove it lies in the study (and series) named, or TargetNotFoundError says where not.
 * Tags are read per instance because Modality and PhotometricInterpretation are not among an Orthanc
 * instance's main DICOM tags, and the eligibility rules need them.
 */
export async function findTargetInstances(
  orthanc: OrthancClient,
  target: ClassifyTarget,
): Promise<{ instance: StoredInstance; tags: OrthancSimplifiedTags }[]> {
  let orthancIds: string[];
  if (target.sopInstanceUID !== undefined) {
    const instanceId = await orthanc.instanceIdByUid(target.sopInstanceUID);
    if (!instanceId) throw new TargetNotFoundError(`Instance ${target.sopInstanceUID} is not in Orthanc`);
    orthancIds = [instanceId];
  } else if (target.seriesInstanceUID !== undefined) {
    const seriesId = await orthanc.seriesIdByUid(target.seriesInstanceUID);
    if (!seriesId) throw new TargetNotFoundError(`Series ${target.seriesInstanceUID} is not in Orthanc`);
    orthancIds = (await orthanc.seriesInstances(seriesId)).map((i) => i.ID);
  } else {
    const studyId = await orthanc.studyIdByUid(target.studyInstanceUID);
    if (!studyId) throw new TargetNotFoundError(`Study ${target.studyInstanceUID} is not in Orthanc`);
    orthancIds = (await orthanc.studyInstances(studyId)).map((i) => i.ID);
  }

  const found = await mapLimited(orthancIds, 8, async (id) => {
    const tags = await orthanc.instanceTags(id);
    return { instance: storedInstance(id, tags), tags };
  });
  for (const { instance } of found) {
    if (instance.StudyInstanceUID !== target.studyInstanceUID) {
      const what = target.sopInstanceUID !== undefined ? `Instance ${target.sopInstanceUID}` : `Series ${target.seriesInstanceUID}`;
      throw new TargetNotFoundError(`${what} is not in study ${target.studyInstanceUID}`);
    }
    if (target.seriesInstanceUID !== undefined && instance.SeriesInstanceUID !== target.seriesInstanceUID) {
      throw new TargetNotFoundError(`Instance ${instance.SOPInstanceUID} is not in series ${target.seriesInstanceUID}`);
    }
  }
  return found;
}

/** Maps with at most `limit` calls in flight, keeping order: a big study must not open hundreds of sockets. */
async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      out[index] = await fn(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
