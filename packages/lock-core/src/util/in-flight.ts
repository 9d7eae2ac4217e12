/** Background operations (withdrawals, hand-ons) still in flight: close() waits for them. */
export class InFlight {
  readonly #ops = new Set<Promise<unknown>>();

  constructor(
    /** Where a failure goes: background work never throws. */
    private readonly report: (err: unknown, context: string) => void,
  ) {}

  get size(): number {
    return this.#ops.size;
  }

  /** Runs `op` in the background; a failure is reported with `context`. */
  track(op: Promise<unknown>, context: string): void {
    const done = op.catch((err) => this.report(err, context)).finally(() => this.#ops.delete(done));
    this.#ops.add(done);
  }

  /** Resolves once every operation tracked so far, and any they led to, has been answered. */
  async drain(): Promise<void> {
    while (this.#ops.size > 0) await Promise.all(this.#ops);
  }
}
