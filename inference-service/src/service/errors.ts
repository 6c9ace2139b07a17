/**
 * Failures of a classification request that are the caller's to fix. The HTTP layer maps them to
 * statuses; the messages name the UID or the reason, as the user should read them.
 */

/** A UID asked for is not in Orthanc (or not where the request said it is). */
export class TargetNotFoundError extends Error {
  override readonly name = 'TargetNotFoundError';
}

/** Nothing in the target can be classified; the message lists why. */
export class NothingEligibleError extends Error {
  override readonly name = 'NothingEligibleError';
  constructor(
    readonly target: string,
    readonly reasons: readonly string[],
  ) {
    const shown = [...new Set(reasons)].slice(0, 5);
    super(`Nothing to classify in ${target}: ${shown.join('; ') || 'it holds no instances'}`);
  }
}
