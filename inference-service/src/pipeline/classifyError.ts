/** Why one image could not be classified; the message is shown to the user as it is. */
export type ClassifyErrorCode = 'unreadable-dicom' | 'ineligible' | 'unsupported-image' | 'model-failure';

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
