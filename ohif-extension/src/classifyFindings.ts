import { activeImage } from './activeImage.ts';
import { requestClassification } from './classifyRequest.ts';
import { names } from './constants.ts';
import type { ExtensionParams } from './ohifTypes.ts';
import { loadNewSeries, openDisplaySet } from './showReport.ts';

/** Images being classified now, by SOP Instance UID: a second click on the same image does nothing. */
const inFlight = new Set<string>();

export type ClassifyFindingsResult = 'opened' | 'failed' | 'ignored';

/**
 * The command behind the button: classify the image in the active viewport, then show the SR the
 * sidecar stored in the study browser and open it, without reloading the viewer. Progress and failures
 * are told through OHIF's notifications, failures in the sidecar's own words.
 */
export async function classifyFindings(params: ExtensionParams): Promise<ClassifyFindingsResult> {
  const { servicesManager } = params;
  const { uiNotificationService, viewportGridService } = servicesManager.services;
  const title = names.notificationTitle;
  const viewportId = viewportGridService.getActiveViewportId();
  const shown = activeImage(servicesManager.services, viewportId);
  if (!shown.ok) {
    uiNotificationService.show({ title, message: shown.reason, type: 'error', allowDuplicates: true, duration: 8000 });
    return 'failed';
  }
  const { target } = shown;
  if (inFlight.has(target.sopInstanceUID)) return 'ignored';
  inFlight.add(target.sopInstanceUID);
  const progress = uiNotificationService.show({
    title,
    message: 'Classifying the image…',
    type: 'loading',
    autoClose: false,
    allowDuplicates: true,
  });
  try {
    const outcome = await requestClassification(target);
    if (!outcome.ok) {
      uiNotificationService.show({ title, message: outcome.message, type: 'error', allowDuplicates: true, duration: 10_000 });
      return 'failed';
    }
    const report = outcome.reports[0];
    if (!report) throw new Error('classifyFindings: the sidecar reported success without an SR');
    const displaySet = await loadNewSeries(params, report.StudyInstanceUID, report.SeriesInstanceUID);
    openDisplaySet(params, viewportId, displaySet.displaySetInstanceUID);
    const positives = outcome.positiveFindings;
    // The report lists every finding; the notification only says what to look for in it.
    const summary =
      report.alreadyExisted || positives === undefined
        ? 'This image already had a findings report: it is open.'
        : positives.length === 0
          ? 'Findings report added: no finding at or above its operating point.'
          : positives.length <= 3
            ? `Findings report added: ${positives.join(', ')} at or above the operating point.`
            : `Findings report added: ${positives.length} of ${outcome.findingCount ?? positives.length} findings at or above the operating point.`;
    uiNotificationService.show({ title, message: summary, type: 'success', allowDuplicates: true, duration: 6000 });
    return 'opened';
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    uiNotificationService.show({ title, message: `The report could not be shown: ${message}`, type: 'error', allowDuplicates: true, duration: 10_000 });
    return 'failed';
  } finally {
    uiNotificationService.hide(progress);
    inFlight.delete(target.sopInstanceUID);
  }
}
