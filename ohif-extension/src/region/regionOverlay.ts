import type { FindingRegion } from '../findings/imageFindings.ts';
import type { CornerstoneViewport } from '../ohifTypes.ts';
import { type ImagePlacement, ViewportCanvasOverlay } from '../overlay/viewportCanvasOverlay.ts';
import { theme } from '../panel/dom.ts';

export interface NamedRegion {
  readonly finding: string;
  readonly region: FindingRegion;
}

/** Line widths in CSS pixels: the outline over a dark halo, so it reads on bone and on lung alike. */
const outlineWidth = 3;
const haloWidth = 6;
const labelFont = '600 12px sans-serif';

/**
 * Outlines the chosen findings' regions (the TID 1500 result's SCOORDs) over a cornerstone viewport's
 * image, each labelled with its finding, following the camera as the heatmap does. Above the heatmap:
 * both may be shown at once.
 */
export class RegionOverlay {
  readonly #overlay: ViewportCanvasOverlay;
  #regions: readonly NamedRegion[];

  constructor(viewport: CornerstoneViewport, element: HTMLElement, regions: readonly NamedRegion[]) {
    this.#regions = regions;
    this.#overlay = new ViewportCanvasOverlay(viewport, element, 'cxr-region-overlay', (context, placement, canvas) => this.#paint(context, placement, canvas), 6);
    this.#overlay.draw();
  }

  set regions(regions: readonly NamedRegion[]) {
    this.#regions = regions;
    this.#overlay.draw();
  }

  #paint(context: CanvasRenderingContext2D, placement: ImagePlacement, canvas: HTMLCanvasElement): void {
    const { origin, right, down, columns, rows } = placement;
    // SCOORD's (0, 0) is the image's outer top-left corner, (columns, rows) its outer bottom-right one.
    const toCanvas = (x: number, y: number): [number, number] => [
      origin[0] + (x / columns) * (right[0] - origin[0]) + (y / rows) * (down[0] - origin[0]),
      origin[1] + (x / columns) * (right[1] - origin[1]) + (y / rows) * (down[1] - origin[1]),
    ];
    for (const { finding, region } of this.#regions) {
      const points = region.points.map(([x, y]) => toCanvas(x, y));
      const path = outline(region.graphicType, points);
      context.lineJoin = 'round';
      context.strokeStyle = 'rgba(0, 0, 0, 0.7)';
      context.lineWidth = haloWidth;
      context.stroke(path);
      context.strokeStyle = theme.positive;
      context.lineWidth = outlineWidth;
      context.stroke(path);
      label(context, finding, points, canvas);
    }
    // Where the image lies in the element (CSS pixels): for people debugging and for the tests.
    canvas.setAttribute('data-image-box', [...origin, right[0], down[1]].map((v) => v.toFixed(1)).join(','));
    canvas.setAttribute('data-findings', this.#regions.map((r) => r.finding).join('|'));
  }

  remove(): void {
    this.#overlay.remove();
  }
}

/** The SCOORD's shape (PS3.3 C.18.6.1.2) in canvas coordinates; points become small crosses. */
function outline(graphicType: FindingRegion['graphicType'], points: ReadonlyArray<readonly [number, number]>): Path2D {
  const path = new Path2D();
  const [first, second, third, fourth] = points;
  if (!first) return path;
  switch (graphicType) {
    case 'POINT':
    case 'MULTIPOINT':
      for (const [x, y] of points) {
        path.moveTo(x - 6, y);
        path.lineTo(x + 6, y);
        path.moveTo(x, y - 6);
        path.lineTo(x, y + 6);
      }
      return path;
    case 'CIRCLE':
      if (second) path.arc(first[0], first[1], Math.hypot(second[0] - first[0], second[1] - first[1]), 0, 2 * Math.PI);
      return path;
    case 'ELLIPSE':
      if (second && third && fourth) {
        const centre = [(first[0] + second[0]) / 2, (first[1] + second[1]) / 2] as const;
        const rotation = Math.atan2(second[1] - first[1], second[0] - first[0]);
        path.ellipse(centre[0], centre[1], Math.hypot(second[0] - first[0], second[1] - first[1]) / 2, Math.hypot(fourth[0] - third[0], fourth[1] - third[1]) / 2, rotation, 0, 2 * Math.PI);
      }
      return path;
    case 'POLYLINE':
    case 'POLYGON':
      path.moveTo(first[0], first[1]);
      for (const [x, y] of points.slice(1)) path.lineTo(x, y);
      if (graphicType === 'POLYGON') path.closePath();
      return path;
  }
}

/** The finding's name just above the region, else below it, else just inside its top: over its outline only never. */
function label(context: CanvasRenderingContext2D, text: string, points: ReadonlyArray<readonly [number, number]>, canvas: HTMLCanvasElement): void {
  const xs = points.map(([x]) => x);
  const ys = points.map(([, y]) => y);
  const height = 16;
  context.font = labelFont;
  const width = context.measureText(text).width + 8;
  const ratio = window.devicePixelRatio || 1;
  const left = Math.max(0, Math.min(Math.min(...xs), canvas.width / ratio - width));
  const above = Math.min(...ys) - haloWidth - height;
  const below = Math.max(...ys) + haloWidth;
  // A region as tall as the image has no room outside it: then just inside its top.
  const top = above >= 0 ? above : below + height <= canvas.height / ratio ? below : Math.max(0, Math.min(...ys)) + haloWidth;
  context.fillStyle = 'rgba(0, 0, 0, 0.75)';
  context.fillRect(left, top, width, height);
  context.fillStyle = theme.positive;
  context.textBaseline = 'middle';
  context.fillText(text, left + 4, top + height / 2);
}
