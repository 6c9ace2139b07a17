/**
 * Coalesces identical concurrent work: while a task for a key runs, callers asking for the same key
 * share its promise instead of starting another. Within one process this makes a double click, or a
 * hook event racing the changes feed, do the work once; across processes the deterministic SR UIDs do.
 */
export class InFlight<T> {
  readonly #tasks = new Map<string, Promise<T>>();

  get size(): number {
    return this.#tasks.size;
  }

  has(key: string): boolean {
    return this.#tasks.has(key);
  }

  /** `coalesced` is true when the caller joined work another caller had started. */
  run(key: string, task: () => Promise<T>): { promise: Promise<T>; coalesced: boolean } {
    const existing = this.#tasks.get(key);
    if (existing) return { promise: existing, coalesced: true };
    const promise = (async () => {
      try {
        return await task();
      } finally {
        this.#tasks.delete(key);
      }
    })();
    this.#tasks.set(key, promise);
    return { promise, coalesced: false };
  }
}
