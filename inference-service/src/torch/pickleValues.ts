/**
 * What the safe unpickler builds. Python values map to plain JavaScript ones (None → null, int → number or
 * bigint, str → string, list → array, tuple → frozen array, dict → Map, set → Set); the few allowed globals
 * become data, never functions.
 */

/** A Python class or function named by a pickle (`module.name`), as data. */
export class PyGlobal {
  constructor(
    readonly module: string,
    readonly name: string,
  ) {}

  get path(): string {
    return `${this.module}.${this.name}`;
  }
}

/**
 * An instance of an allowed class (a `torch.nn` or TorchXRayVision module), kept inert: its class path, the
 * arguments it was created with and the state BUILD gave it. No method of the class ever runs.
 */
export class PyObject {
  state: unknown = undefined;

  constructor(
    readonly classPath: string,
    readonly args: readonly unknown[],
  ) {}

  /** The instance `__dict__` (BUILD with a dict, or the dict half of a `(dict, slots)` state). */
  get dict(): Map<unknown, unknown> | undefined {
    if (this.state instanceof Map) return this.state;
    if (Array.isArray(this.state) && this.state[0] instanceof Map) return this.state[0] as Map<unknown, unknown>;
    return undefined;
  }
}

/** Thrown for anything a checkpoint may not do or does not contain; `where` says the byte offset or part. */
export class CheckpointError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CheckpointError';
  }
}
