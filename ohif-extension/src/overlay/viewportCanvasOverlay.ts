import type { CornerstoneViewport } from '../ohifTypes.ts';

/**
 * A canvas laid over a cornerstone viewport's element that follows its camera (pan, zoom, resize): it is
 * redrawn whenever cornerstone renders, and whoever owns it paints in the image's own pixel coordinates
 * through `ImagePlacement`. The heatmap and the regions are drawn on it; the image itself is never touched.
 */

/** cornerstone's events on the viewport element (@cornerstonejs/core Enums.Events). */
const imageRendered = 'CORNERSTONE_IMAGE_RENDERED';

/** Where the image lies in the element, in CSS pixels, through cornerstone's index → world → canvas transforms. */
export interface ImagePlacement {
  readonly columns: number;
  readonly rows: number;
  /** A point of the image in cornerstone's index space (pixel centres at integers) → CSS pixels of the element. */
  at(x: number, y: number): [number, number];
  /** The image's outer pixel edges: its top-left corner, and the corners at the end of its first row and column. */
  readonly origin: [number, number];
  readonly right: [number, number];
  readonly down: [number, number];
}

/** What the owner paints: `context` is cleared and set to CSS pixels (device pixel ratio applied). */
export type Paint = (context: CanvasRenderingContext2D, placement: ImagePlacement, canvas: HTMLCanvasElement) => void;

export function imagePlacement(viewport: CornerstoneViewport): ImagePlacement | undefined {
  const data = viewport.getImageData?.();
  const toWorld = data?.imageData?.indexToWorld?.bind(data.imageData);
  const toCanvas = viewport.worldToCanvas?.bind(viewport);
  const [columns, rows] = data?.dimensions ?? [];
  if (!toWorld || !toCanvas || !columns || !rows) return undefined;
  const at = (x: number, y: number): [number, number] => toCanvas(toWorld([x, y, 0]) as [number, number, number]);
  return { columns, rows, at, origin: at(-0.5, -0.5), right: at(columns - 0.5, -0.5), down: at(-0.5, rows - 0.5) };
}

export class ViewportCanvasOverlay {
  readonly canvas: HTMLCanvasElement;
  readonly #viewport: CornerstoneViewport;
  readonly #element: HTMLElement;
  readonly #paint: Paint;
  readonly #onRender = (): void => this.draw();

  constructor(viewport: CornerstoneViewport, element: HTMLElement, dataCy: string, paint: Paint, zIndex = 5) {
    this.#viewport = viewport;
    this.#element = element;
    this.#paint = paint;
    this.canvas = document.createElement('canvas');
    this.canvas.setAttribute('data-cy', dataCy);
    Object.assign(this.canvas.style, { position: 'absolute', left: '0', top: '0', width: '100%', height: '100%', pointerEvents: 'none', zIndex: String(zIndex) });
    element.append(this.canvas);
    element.addEventListener(imageRendered, this.#onRender);
  }

  draw(): void {
    const context = this.canvas.getContext('2d');
    const rect = this.#element.getBoundingClientRect();
    const ratio = window.devicePixelRatio || 1;
    const width = Math.max(1, Math.round(rect.width * ratio));
    const height = Math.max(1, Math.round(rect.height * ratio));
    if (this.canvas.width !== width || this.canvas.height !== height) {
      this.canvas.width = width;
      this.canvas.height = height;
    }
    if (!context) return;
    context.setTransform(1, 0, 0, 1, 0, 0);
    context.clearRect(0, 0, width, height);
    const placement = imagePlacement(this.#viewport);
    if (!placement) return;
    context.setTransform(ratio, 0, 0, ratio, 0, 0);
    this.#paint(context, placement, this.canvas);
  }

  remove(): void {
    this.#element.removeEventListener(imageRendered, this.#onRender);
    this.canvas.remove();
  }
}
