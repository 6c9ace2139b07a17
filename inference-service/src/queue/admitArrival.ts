/**
 * Before an arrival becomes a job: its tags, so the job can be keyed by the image's SOP Instance UID and
 * what is not eligible (our own SRs, which arrive too, among them) never takes a place in the queue.
 */
import { OrthancHttpError } from '../orthanc/errors.ts';
import type { OrthancClient } from '../orthanc/orthancClient.ts';
import { checkEligibility } from '../pipeline/eligibility.ts';
import { storedInstance, type StoredInstance } from '../service/findTargetInstances.ts';

export type Admission = { readonly eligible: true; readonly instance: StoredInstance } | { readonly eligible: false; readonly reason: string };

export async function admitArrival(orthanc: Pick<OrthancClient, 'instanceTags'>, orthancInstanceId: string): Promise<Admission> {
  let tags;
  try {
    tags = await orthanc.instanceTags(orthancInstanceId);
  } catch (error) {
    if (error instanceof OrthancHttpError && error.isNotFound) return { eligible: false, reason: `Orthanc instance ${orthancInstanceId} is no longer stored` };
    throw error;
  }
  const eligibility = checkEligibility(tags as Record<string, unknown>);
  if (!eligibility.eligible) return { eligible: false, reason: eligibility.reason };
  return { eligible: true, instance: storedInstance(orthancInstanceId, tags) };
}
