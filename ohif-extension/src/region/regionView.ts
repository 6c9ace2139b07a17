import type { ImageFindings } from '../findings/imageFindings.ts';
import type { OhifServices } from '../ohifTypes.ts';
import { activeViewportShowing } from '../overlay/activeViewportShowing.ts';
import { RegionOverlay } from './regionOverlay.ts';

/** Which findings' regions the reader asked to see, on one image: each finding's toggle is its own. */
export interface RegionChoice {
  readonly SOPInstanceUID: string;
  readonly findings: ReadonlySet<string>;
}

/**
 * The regions outlined over the active viewport's image, and the panel's view of them. Like the heatmap,
 * the overlay lives only while its image is in the active viewport; the choice stays with the image.
 */
class RegionView {
  #choice: RegionChoice | undefined;
  #overlay: { readonly overlay: RegionOverlay; readonly key: string } | undefined;
  readonly #listeners = new Set<() => void>();

  /** The findings whose regions are chosen on the image. */
  shown(SOPInstanceUID: string): ReadonlySet<string> {
    return this.#choice?.SOPInstanceUID === SOPInstanceUID ? this.#choice.findings : new Set();
  }

  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Outlines `finding`'s region on the image, or takes it away when it is outlined. */
  toggle(services: OhifServices, findings: ImageFindings, finding: string): void {
    const findingsShown = new Set(this.shown(findings.image.SOPInstanceUID));
    if (!findingsShown.delete(finding)) findingsShown.add(finding);
    this.#choice = { SOPInstanceUID: findings.image.SOPInstanceUID, findings: findingsShown };
    this.sync(services, findings);
    for (const listener of this.#listeners) listener();
  }

  /** Makes the screen match the choice (called on every panel render): the outlines on the active viewport, or none. */
  sync(services: OhifServices, findings: ImageFindings | undefined): void {
    const choice = this.#choice;
    const target = choice ? activeViewportShowing(services, choice.SOPInstanceUID) : undefined;
    const regions =
      choice && target && findings?.image.SOPInstanceUID === choice.SOPInstanceUID
        ? [...choice.findings].flatMap((finding) => {
            const region = findings.regions?.get(finding);
            return region ? [{ finding, region }] : [];
          })
        : [];
    if (this.#overlay && (regions.length === 0 || this.#overlay.key !== target?.key)) {
      this.#overlay.overlay.remove();
      this.#overlay = undefined;
    }
    if (regions.length === 0 || !target) return;
    if (this.#overlay) {
      this.#overlay.overlay.regions = regions;
      return;
    }
    const viewport = services.cornerstoneViewportService?.getCornerstoneViewport(target.viewportId);
    if (viewport?.element) this.#overlay = { overlay: new RegionOverlay(viewport, viewport.element, regions), key: target.key };
  }
}

/** One per page, like the findings store and the heatmap. */
export const regionView = new RegionView();
