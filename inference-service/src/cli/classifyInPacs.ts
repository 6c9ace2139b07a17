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
  const studies = options.studyInstanceUID
    ? [options.studyInstanceUID]
    : (await orthanc.findStudies({ Query: {} })).map((s) => s.MainDicomTags.StudyInstanceUID).filter((uid): uid is string => typeof uid === 'string');
  let classified = 0;
  let alreadyClassified = 0;
  let skipped = 0;
  let failedStudies = 0;
  let notStored = 0;
  const progress = startProgress(studies.length, 'Studies');
  try {
    for (const studyInstanceUID of studies) {
      progress.tick(studyInstanceUID);
      try {
        const report = await service.classifyTarget({ studyInstanceUID });
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
