/** Why one image could not be classified; the message is shown to the user as it is. */
export type ClassifyErrorCode =
  | 'unreadable-dicom'
  | 'ineligible'
  | 'unsupported-image'
  | 'model-failure'
  /** A UID the SR is built from is missing, multi-valued, over-long or malformed; the message names it. */
  | 'invalid-uid'
  /** Reading and preprocessing ran past the prepare pool's time limit (CXR_PREPARE_TIMEOUT_MS). */
  | 'limit-prepare-time'
  /** …or past its heap limit per thread (CXR_PREPARE_HEAP_MB). */
  | 'limit-prepare-memory';

export class ClassifyError extends Error {
  override readonly name = 'ClassifyError';
  constructor(
    readonly code: ClassifyErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
