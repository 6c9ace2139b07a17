import type { ImageFindings } from './imageFindings.ts';

/** What the panel may show for an image: its findings, a classification under way, or a failure. */
export type ImageState =
  | { readonly status: 'classifying' }
  | { readonly status: 'failed'; readonly message: string }
  | { readonly status: 'ready'; readonly findings: ImageFindings };

/**
 * The findings the viewer knows, by the image's SOP Instance UID: from classifications made in this
 * page, and from stored SRs once read. The panel listens; the command and the SR reader write.
 */
export class FindingsStore {
  readonly #byImage = new Map<string, ImageState>();
  readonly #listeners = new Set<() => void>();

  get(SOPInstanceUID: string): ImageState | undefined {
    return this.#byImage.get(SOPInstanceUID);
  }

  set(SOPInstanceUID: string, state: ImageState): void {
    this.#byImage.set(SOPInstanceUID, state);
    for (const listener of this.#listeners) listener();
  }

  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}

/** One store per page: the panel, the command and the SR reader share it. */
export const findingsStore = new FindingsStore();
