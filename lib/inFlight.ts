/**
 * Identical work in flight done once: whoever asks for a key that is already being worked on
 * waits for that work instead of starting it again. Nothing is kept after the work settles (this
 * is not a cache): the next ask starts afresh. A failure is shared with the waiters like a result.
 */
export class InFlight<T> {
  private readonly pending = new Map<string, Promise<T>>();
  /** Asks that started the work. */
  started = 0;
  /** Asks that found the same work on its way and waited for it. */
  shared = 0;

  /** `start`'s result, or that of the identical work already in flight; `shared` says which. */
  async run(key: string, start: () => Promise<T>): Promise<{ value: T; shared: boolean }> {
    const inFlight = this.pending.get(key);
    if (inFlight) {
      this.shared += 1;
      return { value: await inFlight, shared: true };
    }
    this.started += 1;
    const work = start();
    this.pending.set(key, work);
    try {
      return { value: await work, shared: false };
    } finally {
      this.pending.delete(key);
    }
  }

  /** How many distinct keys are in flight now. */
  get size(): number {
    return this.pending.size;
  }
}
