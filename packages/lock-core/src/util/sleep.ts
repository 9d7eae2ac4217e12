/** Resolves after `ms`, or as soon as any of `signals` aborts (never rejects). */
export function sleep(ms: number, ...signals: Array<AbortSignal | undefined>): Promise<void> {
  return new Promise((resolve) => {
    const live = signals.filter((s): s is AbortSignal => s !== undefined);
    const done = (): void => {
      clearTimeout(timer);
      for (const s of live) s.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    for (const s of live) {
      if (s.aborted) {
        done();
        return;
      }
      s.addEventListener('abort', done, { once: true });
    }
  });
}

/** Resolves once `promise` settles or `signal` aborts, whichever comes first. */
export function settledOrAborted(promise: Promise<unknown>, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    // The listener goes as soon as either happens: a long-lived signal does not collect one per call.
    const done = (): void => {
      signal.removeEventListener('abort', done);
      resolve();
    };
    signal.addEventListener('abort', done, { once: true });
    promise.then(done, done);
  });
}

/**
 * A sleep that someone else can cut short: the key queue's head sleeps until its grant, the holder's
 * ttl or the next poll, and a message or a reconnect wakes it early.
 */
export class Nap {
  #wake: (() => void) | null = null;

  /** Sleeps `ms` (or until `wake()`); one nap at a time. */
  take(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        if (this.#wake === done) this.#wake = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#wake = done;
    });
  }

  /** Ends the current nap; false if nobody was sleeping. */
  wake(): boolean {
    const wake = this.#wake;
    if (!wake) return false;
    this.#wake = null;
    wake();
    return true;
  }
}
