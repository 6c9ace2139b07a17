/**
 * The images this process finished a moment ago, by Orthanc instance ID: the Lua hook and the changes
 * feed both announce every arrival, and without this the second announcement costs an Orthanc lookup, a
 * download of the stored result and a full parse of it (~20 ms of the event loop per image) to learn
 * what this process already knows. Bounded in size and in time: after `ttlMs` the next announcement is
 * checked against Orthanc again, so someone who deletes the results and sends the image again gets them
 * made again. Only complete sets are recorded (every object stored).
 */
export class RecentlyDone<T> {
  readonly #entries = new Map<string, { readonly value: T; readonly at: number }>();

  constructor(
    private readonly options: { readonly maxEntries: number; readonly ttlMs: number; readonly now?: () => number },
  ) {}

  get(key: string): T | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (this.#now() - entry.at > this.options.ttlMs) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  set(key: string, value: T): void {
    this.#entries.delete(key);
    this.#entries.set(key, { value, at: this.#now() });
    // A Map iterates in insertion order: the first key is the oldest.
    while (this.#entries.size > this.options.maxEntries) this.#entries.delete(this.#entries.keys().next().value as string);
  }

  delete(key: string): void {
    this.#entries.delete(key);
  }

  #now(): number {
    return (this.options.now ?? Date.now)();
  }
}
