import { activeImage } from './activeImage.ts';
import { requestClassification } from './classifyRequest.ts';
import { findingsStore } from './findings/findingsStore.ts';
import { isPositive } from './findings/imageFindings.ts';
import { notificationTitle } from './messages.ts';
import { activeModelCard } from './modelInfo.ts';
import type { ExtensionParams } from './ohifTypes.ts';
import { openFindingsPanel } from './panel/openFindingsPanel.ts';
import { loadNewSeries } from './showReport.ts';

/** Images being classified now, by SOP Instance UID: a second click on the same image does nothing. */
const inFlight = new Set<string>();

export type ClassifyFindingsResult = 'shown' | 'failed' | 'ignored';

/**
 * The command behind the button: classify the image in the active viewport and show its findings in
 * the findings panel beside it. The image stays where it is, in every layout; the stored SR only
 * joins the study browser. Every notification names a demo or custom model.
 */
export async function classifyFindings(params: ExtensionParams): Promise<ClassifyFindingsResult> {
  const { servicesManager } = params;
  const { uiNotificationService, viewportGridService } = servicesManager.services;
  const card = await activeModelCard();
  const title = notificationTitle(card?.kind);
  const viewportId = viewportGridService.getActiveViewportId();
  const shown = activeImage(servicesManager.services, viewportId);
  if (!shown.ok) {
    uiNotificationService.show({ title, message: shown.reason, type: 'error', allowDuplicates: true, duration: 8000 });
    return 'failed';
  }
  const { target } = shown;
  if (inFlight.has(target.sopInstanceUID)) return 'ignored';
  inFlight.add(target.sopInstanceUID);
  // Pressed: the reader asks for the findings, so the panel opens even if they closed it before.
  openFindingsPanel(servicesManager.services, true);
  const previous = findingsStore.get(target.sopInstanceUID);
  if (previous?.status !== 'ready') findingsStore.set(target.sopInstanceUID, { status: 'classifying' });
  try {
    const outcome = await requestClassification(target, card?.name);
    if (!outcome.ok) {
      findingsStore.set(target.sopInstanceUID, { status: 'failed', message: outcome.message });
      uiNotificationService.show({ title, message: outcome.message, type: 'error', allowDuplicates: true, duration: 10_000 });
      return 'failed';
    }
    const findings = outcome.images.find((image) => image.image.SOPInstanceUID === target.sopInstanceUID);
    if (!findings) throw new Error('the service stored a report but sent no findings for this image');
    findingsStore.set(target.sopInstanceUID, { status: 'ready', findings });
    const resultTitle = notificationTitle(findings.model.kind);
    const positives = findings.findings.filter(isPositive).length;
    const existed = outcome.reports.every((report) => report.alreadyExisted);
    uiNotificationService.show({
      title: resultTitle,
      message: `${existed ? 'Findings from the stored report' : 'Findings added'}: ${positives} of ${findings.findings.length} at or above their operating point. See the panel beside the image.`,
      type: findings.model.kind === 'upstream' ? 'success' : 'warning',
      allowDuplicates: true,
      duration: 6000,
    });
    // The report joins the study browser (its thumbnail) without taking a viewport; the panel reads the
    // heatmaps' references from it. Already loaded, nothing is fetched again.
    const report = outcome.reports[0];
    if (report) {
      loadNewSeries(params, report.StudyInstanceUID, report.SeriesInstanceUID).catch(() => {
        // The findings are shown already; the thumbnail appears on the next load of the study.
      });
    }
    return 'shown';
  } catch (error) {
    const message = `The findings could not be shown (${error instanceof Error ? error.message : String(error)}). Reload the page and try again.`;
    findingsStore.set(target.sopInstanceUID, { status: 'failed', message });
    uiNotificationService.show({ title, message, type: 'error', allowDuplicates: true, duration: 10_000 });
    return 'failed';
  } finally {
    inFlight.delete(target.sopInstanceUID);
  }
}
