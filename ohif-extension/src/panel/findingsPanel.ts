import { hotkeyLabel } from '../constants.ts';
import { findingsInView } from '../findings/findingsInView.ts';
import { findingsStore } from '../findings/findingsStore.ts';
import type { ImageFindings, SeriesRef } from '../findings/imageFindings.ts';
import { storedFindingsFor } from '../findings/storedFindings.ts';
import { heatmapView } from '../heatmap/heatmapView.ts';
import { regionView } from '../region/regionView.ts';
import { activeModelCard, type ModelCardSummary } from '../modelInfo.ts';
import type { OhifDisplaySet, OhifServices } from '../ohifTypes.ts';
import type { Mount } from './hostElement.ts';
import { type HeatmapControls, type RegionControls, renderFindingsPanel } from './renderFindingsPanel.ts';


/** Which image, in words a reader uses: the series' description and number, the image's number. */
function describeImage(displaySet: OhifDisplaySet | undefined, SOPInstanceUID: string): string | undefined {
  if (!displaySet) return undefined;
  const images = displaySet.images ?? displaySet.instances ?? [];
  const index = images.findIndex((image) => image.SOPInstanceUID === SOPInstanceUID);
  const image = images[index];
  const description = displaySet.SeriesDescription ?? image?.SeriesDescription;
  const seriesNumber = displaySet.SeriesNumber ?? image?.SeriesNumber;
  const series = [description ? `“${description}”` : 'this series', seriesNumber !== undefined ? `(series ${seriesNumber})` : undefined].filter(Boolean).join(' ');
  const number = image?.InstanceNumber ?? (index >= 0 ? index + 1 : undefined);
  const imagePart = number !== undefined ? `, image ${number}${images.length > 1 ? ` of ${images.length}` : ''}` : '';
  return `Findings for ${series}${imagePart}`;
}

/** With several viewports, which one: images of one study often share description and number. */
function viewportPlace(services: OhifServices): string {
  const { viewports, activeViewportId } = services.viewportGridService.getState();
  if (viewports.size < 2) return '';
  const index = [...viewports.keys()].indexOf(activeViewportId);
  return index >= 0 ? ` (active viewport, ${index + 1} of ${viewports.size})` : '';
}

/**
 * The viewer URL that opens the study with the report's series in the viewport, in a tab of its own. The
 * whole study, not only that series: the report is the TID 1500 result, whose regions are drawn on the
 * image it references, which OHIF must have loaded.
 */
function reportHref(report: SeriesRef | undefined): string | undefined {
  if (!report || typeof window === 'undefined') return undefined;
  const url = new URL(window.location.href);
  url.searchParams.set('StudyInstanceUIDs', report.StudyInstanceUID);
  url.searchParams.delete('SeriesInstanceUIDs');
  url.searchParams.set('initialSeriesInstanceUID', report.SeriesInstanceUID);
  return url.toString();
}

/**
 * The findings with their heatmap and regions: a fresh classification's answer carries neither, the TID 1500
 * result it stored does (its display set joins the study right after), and so does a result read from the study.
 */
function withStoredOverlays(services: OhifServices, findings: ImageFindings): ImageFindings {
  if (findings.heatmap && findings.regions) return findings;
  const stored = storedFindingsFor(services, findings.image.SOPInstanceUID);
  const heatmap = findings.heatmap ?? stored?.heatmap;
  const regions = findings.regions ?? stored?.regions;
  return heatmap || regions ? { ...findings, ...(heatmap ? { heatmap } : {}), ...(regions ? { regions } : {}) } : findings;
}

function regionControls(services: OhifServices, findings: ImageFindings): RegionControls | undefined {
  if (!findings.regions) return undefined;
  return {
    available: new Set(findings.regions.keys()),
    shown: regionView.shown(findings.image.SOPInstanceUID),
    onToggle: (finding) => regionView.toggle(services, findings, finding),
  };
}

function heatmapControls(services: OhifServices, findings: ImageFindings): HeatmapControls | undefined {
  if (!findings.heatmap) return undefined;
  const choice = heatmapView.choice;
  return {
    available: new Set(findings.heatmap.frames.keys()),
    ...(choice && choice.SOPInstanceUID === findings.image.SOPInstanceUID ? { choice } : {}),
    onToggle: (finding) => heatmapView.toggle(services, findings, finding),
    onOpacity: (opacity) => heatmapView.setOpacity(opacity),
  };
}

/**
 * The panel's life while mounted: render what the store knows about the image in the active
 * viewport, again whenever the store, the viewport grid or the loaded display sets change. Findings
 * of an image classified earlier are read from its stored SR when its display set is loaded.
 * (Opening the panel for such an image is openOnResults', which works while the panel is closed.)
 */
export function findingsPanelMount(services: OhifServices): Mount {
  return (host) => {
    let card: ModelCardSummary | undefined;
    const render = (): void => {
      const inView = findingsInView(services);
      let view: Parameters<typeof renderFindingsPanel>[0] = { hotkeyLabel, ...(card ? { activeModel: card } : {}) };
      if (inView.kind === 'none') {
        view = { ...view, notClassifiable: inView.reason };
      } else {
        const { state } = inView;
        const displaySet = services.displaySetService.getDisplaySetsForSeries(inView.SeriesInstanceUID)[0];
        const described = describeImage(displaySet, inView.SOPInstanceUID);
        const imageLabel = described
          ? `${described}${inView.kind === 'image' ? viewportPlace(services) : ''}`
          : inView.kind === 'report'
            ? 'Findings of the report in view (its image is not loaded)'
            : undefined;
        const href = state?.status === 'ready' && inView.kind === 'image' ? reportHref(state.findings.report) : undefined;
        // Heatmaps and regions are drawn over an image; a report in the viewport has none to draw on.
        const findings = state?.status === 'ready' && inView.kind === 'image' ? withStoredOverlays(services, state.findings) : undefined;
        const heatmaps = findings ? heatmapControls(services, findings) : undefined;
        const regions = findings ? regionControls(services, findings) : undefined;
        view = { ...view, ...(imageLabel ? { imageLabel } : {}), ...(state ? { state } : {}), ...(href ? { reportHref: href } : {}), heatmaps, regions };
        heatmapView.sync(services, findings);
        regionView.sync(services, findings);
      }
      if (inView.kind === 'none') {
        heatmapView.sync(services, undefined);
        regionView.sync(services, undefined);
      }
      const next = renderFindingsPanel(view);
      // Display sets arrive (the SRs this very classification stored, among others) without changing what
      // the panel says; replacing equal DOM would reset the user's scroll inside the panel.
      if (host.childElementCount === 1 && host.firstElementChild?.isEqualNode(next)) return;
      host.replaceChildren(next);
    };
    const { viewportGridService, displaySetService } = services;
    const subscriptions = [
      viewportGridService.subscribe?.(viewportGridService.EVENTS.ACTIVE_VIEWPORT_ID_CHANGED, render),
      viewportGridService.subscribe?.(viewportGridService.EVENTS.GRID_STATE_CHANGED, render),
      displaySetService.subscribe(displaySetService.EVENTS.DISPLAY_SETS_ADDED, render),
    ];
    const unsubscribeStore = findingsStore.subscribe(render);
    const unsubscribeHeatmap = heatmapView.subscribe(render);
    const unsubscribeRegions = regionView.subscribe(render);
    void activeModelCard().then((summary) => {
      card = summary;
      if (host.isConnected) render();
    });
    render();
    return () => {
      unsubscribeStore();
      unsubscribeHeatmap();
      unsubscribeRegions();
      for (const subscription of subscriptions) subscription?.unsubscribe();
    };
  };
}
