import type { ImageFindings } from '../findings/imageFindings.ts';
import type { OhifServices } from '../ohifTypes.ts';
import { activeViewportShowing } from '../overlay/activeViewportShowing.ts';
import { HeatmapOverlay } from './heatmapOverlay.ts';
import { loadHeatmapFrames } from './loadHeatmap.ts';

/** Which heatmap the reader asked to see: one finding of one image at a time, and how strongly. */
export interface HeatmapChoice {
  readonly SOPInstanceUID: string;
  readonly finding: string;
  readonly opacity: number;
  readonly status: 'loading' | 'shown' | 'failed';
  readonly message?: string;
}

export const defaultOpacity = 0.6;

/**
 * The heatmap shown over the active viewport's image, and the panel's view of it. The overlay lives only
 * while its image is in the active viewport; another image (or a report) there takes it away.
 */
class HeatmapView {
  #choice: HeatmapChoice | undefined;
  #overlay: { readonly overlay: HeatmapOverlay; readonly key: string } | undefined;
  readonly #listeners = new Set<() => void>();
  /** The overlay being loaded, so that renders meanwhile do not start another. */
  #pending: string | undefined;

  get choice(): HeatmapChoice | undefined {
    return this.#choice;
  }

  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Shows `finding`'s heatmap of the image, or hides it when it is the one shown. */
  toggle(services: OhifServices, findings: ImageFindings, finding: string): void {
    const current = this.#choice;
    if (current && current.SOPInstanceUID === findings.image.SOPInstanceUID && current.finding === finding) {
      this.#set(undefined);
      this.sync(services, findings);
      return;
    }
    this.#set({ SOPInstanceUID: findings.image.SOPInstanceUID, finding, opacity: current?.opacity ?? defaultOpacity, status: 'loading' });
    this.sync(services, findings);
  }

  /** Quietly: the panel's slider is being dragged, and a re-render would replace it under the pointer. */
  setOpacity(opacity: number): void {
    if (!this.#choice) return;
    this.#choice = { ...this.#choice, opacity };
    if (this.#overlay) this.#overlay.overlay.opacity = opacity;
  }

  /**
   * Makes the screen match the choice: the overlay on the active viewport when it shows the chosen image
   * (loading the map the first time), none otherwise. Called on every panel render.
   */
  sync(services: OhifServices, findings: ImageFindings | undefined): void {
    const choice = this.#choice;
    const target = choice ? activeViewportShowing(services, choice.SOPInstanceUID) : undefined;
    const key = choice && target ? `${target.key}|${choice.finding}` : '';
    if (this.#overlay && (!target || this.#overlay.key !== key)) {
      this.#overlay.overlay.remove();
      this.#overlay = undefined;
    }
    if (!target || !choice || this.#overlay || choice.status === 'failed' || this.#pending === key) return;
    const { viewportId } = target;
    const heatmap = findings?.image.SOPInstanceUID === choice.SOPInstanceUID ? findings.heatmap : undefined;
    const frame = heatmap?.frames.get(choice.finding);
    if (!heatmap || frame === undefined) {
      this.#set({ ...choice, status: 'failed', message: 'No heatmap is stored for this finding.' });
      return;
    }
    this.#pending = key;
    loadHeatmapFrames(heatmap.ref).then(
      (frames) => {
        this.#pending = undefined;
        // The reader may have moved on while the map was loading.
        const now = this.#choice;
        if (!now || now.SOPInstanceUID !== choice.SOPInstanceUID || now.finding !== choice.finding) return;
        const viewport = services.cornerstoneViewportService?.getCornerstoneViewport(viewportId);
        const data = frames[frame - 1];
        if (!viewport?.element || !data) {
          this.#set({ ...now, status: 'failed', message: 'The heatmap cannot be drawn in this viewport.' });
          return;
        }
        this.#overlay?.overlay.remove();
        this.#overlay = { overlay: new HeatmapOverlay(viewport, viewport.element, data, { opacity: now.opacity }), key };
        this.#set({ ...now, status: 'shown' });
      },
      (error: unknown) => {
        this.#pending = undefined;
        this.#set({ ...choice, status: 'failed', message: error instanceof Error ? error.message : String(error) });
      },
    );
  }

  #set(choice: HeatmapChoice | undefined): void {
    this.#choice = choice;
    for (const listener of this.#listeners) listener();
  }
}

/** One per page, like the findings store. */
export const heatmapView = new HeatmapView();
