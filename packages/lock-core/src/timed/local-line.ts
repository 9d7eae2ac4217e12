import type { Waiter } from './waiter.js';

/** This client's callers waiting for one lock, first come first served. */
export class LocalLine {
  readonly #waiters: Waiter[] = [];

  get length(): number {
    return this.#waiters.length;
  }

  /** The caller served next, if any. */
  get head(): Waiter | undefined {
    return this.#waiters[0];
  }

  /** Joins at the back, or at the front for a caller that was here first and has just tried. */
  join(waiter: Waiter, first: boolean): void {
    if (first) this.#waiters.unshift(waiter);
    else this.#waiters.push(waiter);
  }

  /** A waiter gave up; true if nobody is left. */
  leave(waiter: Waiter): boolean {
    const at = this.#waiters.indexOf(waiter);
    if (at >= 0) this.#waiters.splice(at, 1);
    return this.#waiters.length === 0;
  }

  /** Takes the head off the line, to be served. */
  next(): Waiter | undefined {
    return this.#waiters.shift();
  }

  rejectAll(err: unknown): void {
    for (const waiter of this.#waiters.splice(0)) waiter.reject(err);
  }
}
