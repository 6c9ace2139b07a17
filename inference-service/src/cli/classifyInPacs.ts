import { createLogger } from '../log.ts';
import type { OrthancClient } from '../orthanc/orthancClient.ts';
import type { FindingsPipeline } from '../pipeline/findingsPipeline.ts';
import { ClassificationService } from '../service/classificationService.ts';
import { NothingEligibleError, SrsNotStoredError } from '../service/errors.ts';
import { createMetrics } from '../service/metrics.ts';
import { SrOutbox } from '../service/srOutbox.ts';
import { WorkQueue } from '../service/workQueue.ts';
import { findingsAbove } from './findingsTable.ts';
import { startProgress } from './progress.ts';

export interface PacsCounts {
  readonly classified: number;
  /** Images that already had this model's SR: nothing was done for them. */
  readonly alreadyClassified: number;
  readonly skipped: number;
  readonly failedStudies: number;
  /** Images classified whose SR Orthanc refused or could not take (each named on stderr). */
  readonly notStored: number;
}

/**
 * `classify --pacs`: what the sidecar does for `POST /api/classify`, from the command line, for one study
 * or every study in Orthanc. The same service, so the same SRs (deterministic UIDs): images that already
 * have this model's SR are counted, not classified again — "everything not yet classified".
 */
export async function classifyInPacs(options: {
  readonly pipeline: FindingsPipeline;
  readonly orthanc: OrthancClient;
  readonly studyInstanceUID?: string;
  /** Only studies whose StudyDate is in this range (DICOM dates, YYYYMMDD, either end open). */
  readonly studyDates?: { readonly since?: string; readonly until?: string };
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}): Promise<PacsCounts> {
  const { orthanc, out, err } = options;
  const metrics = createMetrics({ defaultMetrics: false });
  // No background retries in a command that ends: an SR Orthanc did not store is reported and counted.
  const outbox = new SrOutbox({ orthanc, metrics, retryInBackground: false });
  const service = new ClassificationService({
    orthanc,
    pipeline: options.pipeline,
    queue: new WorkQueue({ concurrency: 2, maxQueue: Number.MAX_SAFE_INTEGER }),
    metrics,
    outbox,
    logger: createLogger({ tag: 'classify', level: 'warn', sink: err }),
  });
  const dates = options.studyDates;
  const range = dates && (dates.since || dates.until) ? `${dates.since ?? ''}-${dates.until ?? ''}` : undefined;
  const query: Record<string, string> = options.studyInstanceUID ? { StudyInstanceUID: options.studyInstanceUID } : range ? { StudyDate: range } : {};
  const studies = options.studyInstanceUID
    ? [options.studyInstanceUID]
    : (await orthanc.findStudies({ Query: query })).map((s) => s.MainDicomTags.StudyInstanceUID).filter((uid): uid is string => typeof uid === 'string');
  // What a backfill is about to do, before it does it: an archive can be large.
  const [all, srs] = await Promise.all([orthanc.findInstances({ Query: query }), orthanc.findInstances({ Query: { ...query, Modality: 'SR' } })]);
  const imageCount = all.length - srs.length;
  err(`${studies.length} stud(ies)${range ? ` with StudyDate ${range}` : ''} in Orthanc, ${imageCount} instance(s) besides SRs: classifying those without an SR of this model`);
  let classified = 0;
  let alreadyClassified = 0;
  let skipped = 0;
  let failedStudies = 0;
  let notStored = 0;
  const progress = startProgress(Math.max(imageCount, studies.length), 'Images');
  const advance = (count: number, label: string) => {
    for (let i = 0; i < count; i++) progress.tick(label);
  };
  try {
    for (const studyInstanceUID of studies) {
      try {
        const report = await service.classifyTarget({ studyInstanceUID });
        advance(report.results.length + report.pending.length + report.skipped.length, studyInstanceUID);
        skipped += report.skipped.length;
        for (const p of report.pending) {
          notStored += 1;
          err(`${p.SOPInstanceUID}: classified, but its SR was not stored: ${p.srNotStored.message}`);
        }
        for (const r of report.results) {
          if (r.sr.alreadyExisted) {
            alreadyClassified += 1;
            continue;
          }
          classified += 1;
          const above = r.findings ? findingsAbove(r.findings) : [];
          out(`${r.SOPInstanceUID}: SR ${r.sr.SOPInstanceUID} stored; ${above.length ? above.map(([l, p]) => `${l} ${p.toFixed(2)}`).join(', ') : 'no finding at or above its operating point'}`);
        }
      } catch (error) {
        if (error instanceof SrsNotStoredError) {
          notStored += outbox.list().filter((e) => e.image.StudyInstanceUID === studyInstanceUID).length || 1;
          err(`study ${studyInstanceUID}: ${error.message.replace(/, see GET \/api\/sr-outbox$/, '')}`);
          continue;
        }
        if (error instanceof NothingEligibleError) {
          skipped += Math.max(1, error.reasons.length);
          advance(error.reasons.length, studyInstanceUID);
          // One study of the whole PACS without a chest radiograph is ordinary; asked for by UID, it is worth saying.
          if (options.studyInstanceUID) err(error.message);
          continue;
        }
        failedStudies += 1;
        err(`study ${studyInstanceUID}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  } finally {
    progress.stop();
  }
  return { classified, alreadyClassified, skipped, failedStudies, notStored };
}
