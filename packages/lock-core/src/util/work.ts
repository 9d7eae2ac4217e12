/**
 * Work running under a lease (a `withLock` body, a `lock()` callback, an election term): `close()` lets it
 * finish, within a bound, before it releases the leases, so no other pod starts the same work meanwhile.
 */
export class WorkInProgress {
  readonly #running = new Set<Promise<unknown>>();

  /** Tracks `work` until it settles; returns it as it is. */
  track<T>(work: Promise<T>): Promise<T> {
    const forget = (): void => {
      this.#running.delete(done);
    };
    const done: Promise<void> = work.then(forget, forget);
    this.#running.add(done);
    return work;
  }

  get size(): number {
    return this.#running.size;
  }

  /** Resolves once all work tracked so far, and any tracked meanwhile, has settled. */
  async drain(): Promise<void> {
    while (this.#running.size > 0) await Promise.all(this.#running);
  }

  /** Resolves once all work tracked so far has settled, or after `ms`; true if it all settled. */
  async settle(ms: number): Promise<boolean> {
    return settlesWithin(Promise.all(this.#running), ms);
  }
}

/** True if `promise` settles within `ms` (its rejection counts as settling); the timer never outlives it. */
export async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([
      promise.then(
        () => true,
        () => true,
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
