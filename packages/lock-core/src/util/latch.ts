/**
 * A promise that resolves once `open()` is called, made only when someone asks for it: most leases end
 * without anyone waiting for them, and a promise per lease would cost every acquisition.
 */
export class Latch {
  #open = false;
  #promise: Promise<void> | undefined;
  #resolve: (() => void) | undefined;

  get promise(): Promise<void> {
    this.#promise ??= this.#open
      ? Promise.resolve()
      : new Promise<void>((resolve) => {
          this.#resolve = resolve;
        });
    return this.#promise;
  }

  open(): void {
    this.#open = true;
    this.#resolve?.();
  }
}
