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

/** Every image of the request was classified, but Orthanc stored none of their SRs: they wait in the outbox. */
export class SrsNotStoredError extends Error {
  override readonly name = 'SrsNotStoredError';
  constructor(
    readonly target: string,
    readonly reasons: readonly string[],
    readonly retryAfterSeconds: number,
  ) {
    const shown = [...new Set(reasons)].slice(0, 3);
    super(`Orthanc did not store the findings SR of ${target} (${shown.join('; ')}); it is kept and retried, see GET /api/sr-outbox`);
  }
}
