import type { CornerstoneViewport } from '../ohifTypes.ts';
import { type ImagePlacement, ViewportCanvasOverlay } from '../overlay/viewportCanvasOverlay.ts';
import type { HeatmapFrame } from './loadHeatmap.ts';

/**
 * Draws a heatmap over a cornerstone viewport's image, following its camera (pan, zoom, resize), on a
 * `ViewportCanvasOverlay`. OHIF 3.13's own Parametric Map viewport cannot do this for a radiograph: it
 * fuses the map with a *volume* of the referenced series and says "stack viewport PMAP is not supported
 * yet" (read in the prebuilt bundle), and a single projection image is no volume.
 */

export interface OverlayOptions {
  /** Opacity where the heatmap is 1; lower values fade in proportion. */
  readonly opacity: number;
}

/** Blue → cyan → yellow → red for t in [0, 1] (the CLI's PNG overlays use the same ramp). */
export function heatColour(t: number): [number, number, number] {
  const unit = (x: number): number => Math.round(255 * Math.min(1, Math.max(0, x)));
  return [unit(1.5 - Math.abs(4 * t - 3)), unit(1.5 - Math.abs(4 * t - 2)), unit(1.5 - Math.abs(4 * t - 1))];
}

/** The CSS gradient of the same ramp, for the colour bar. */
export const heatGradient = `linear-gradient(to right, ${[0, 0.25, 0.5, 0.75, 1].map((t) => `rgb(${heatColour(t).join(',')})`).join(', ')})`;

export class HeatmapOverlay {
  readonly #overlay: ViewportCanvasOverlay;
  readonly #source: HTMLCanvasElement;
  readonly #frame: HeatmapFrame;
  #opacity: number;

  constructor(viewport: CornerstoneViewport, element: HTMLElement, frame: HeatmapFrame, options: OverlayOptions) {
    this.#frame = frame;
    this.#opacity = options.opacity;
    this.#source = document.createElement('canvas');
    this.#source.width = frame.width;
    this.#source.height = frame.height;
    this.#paintSource();
    this.#overlay = new ViewportCanvasOverlay(viewport, element, 'cxr-heatmap-overlay', (context, placement, canvas) => this.#paint(context, placement, canvas));
    this.#overlay.draw();
  }

  set opacity(value: number) {
    this.#opacity = value;
    this.#paintSource();
    this.#overlay.draw();
  }

  /** The colours once per opacity: each cell's ramp colour, its alpha in proportion to its value. */
  #paintSource(): void {
    const { width, height, values } = this.#frame;
    const context = this.#source.getContext('2d');
    if (!context) return;
    const pixels = context.createImageData(width, height);
    for (let i = 0; i < values.length; i++) {
      const v = Math.min(1, Math.max(0, values[i] ?? 0));
      const [r, g, b] = heatColour(v);
      pixels.data.set([r, g, b, Math.round(255 * this.#opacity * v)], i * 4);
    }
    context.putImageData(pixels, 0, 0);
  }

  /** Lays the map over the image: its cells cover the image's extent (the Parametric Map's grid). */
  #paint(context: CanvasRenderingContext2D, { origin, right, down }: ImagePlacement, canvas: HTMLCanvasElement): void {
    const { width: cellsX, height: cellsY } = this.#frame;
    context.transform(
      (right[0] - origin[0]) / cellsX,
      (right[1] - origin[1]) / cellsX,
      (down[0] - origin[0]) / cellsY,
      (down[1] - origin[1]) / cellsY,
      origin[0],
      origin[1],
    );
    context.imageSmoothingEnabled = true;
    context.drawImage(this.#source, 0, 0);
    // Where the map peaks, in CSS pixels of the viewport element: for people debugging and for the tests.
    const peak = this.peakCell();
    const px = origin[0] + ((peak.u + 0.5) / cellsX) * (right[0] - origin[0]) + ((peak.v + 0.5) / cellsY) * (down[0] - origin[0]);
    const py = origin[1] + ((peak.u + 0.5) / cellsX) * (right[1] - origin[1]) + ((peak.v + 0.5) / cellsY) * (down[1] - origin[1]);
    canvas.setAttribute('data-peak', `${px.toFixed(1)},${py.toFixed(1)}`);
  }

  peakCell(): { u: number; v: number } {
    const { width, values } = this.#frame;
    let best = 0;
    for (let i = 1; i < values.length; i++) if ((values[i] ?? 0) > (values[best] ?? 0)) best = i;
    return { u: best % width, v: Math.floor(best / width) };
  }

  remove(): void {
    this.#overlay.remove();
  }
}
