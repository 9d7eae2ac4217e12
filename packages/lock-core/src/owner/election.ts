import { LockLostError } from '../errors/lock-lost-error.js';
import type { Lease } from '../lease/lease.js';
import { settledOrAborted, sleep } from '../util/sleep.js';
import { settlesWithin } from '../util/work.js';
import type { ResolvedElect } from './elect-options.js';

/** What an election needs from the client. */
export interface ElectionHost {
  readonly instanceId: string;
  /** How long a term's work may take to stop, once its signal aborted, before the lease is given up anyway. */
  readonly shutdownTimeout: number;
  readonly closed: boolean;
  /** Waits for the owner lease of `name` (queued like a timed lock); rejects when `signal` aborts. */
  campaign(opts: ResolvedElect, signal: AbortSignal, onHolder: (holder: string) => void): Promise<Lease>;
  backgroundError(err: unknown, context: string): void;
  electionStopped(election: LeaderElection): void;
}

/**
 * A background campaign for an owner lease. While it leads, `term.signal` is live; it aborts, and
 * `onRevoked` runs, when a renewal fails or `renewDeadline` passes without one, which is before the lease
 * can expire in Redis and another instance be elected.
 */
export class LeaderElection {
  #isLeader = false;
  #leaderId: string | null = null;
  #term: Lease | null = null;
  readonly #stop = new AbortController();
  readonly #done: Promise<void>;
  readonly #onUserAbort = (): void => void this.stop();

  constructor(
    private readonly host: ElectionHost,
    private readonly opts: ResolvedElect,
  ) {
    opts.signal?.addEventListener('abort', this.#onUserAbort, { once: true });
    this.#done = this.#run();
  }

  get name(): string {
    return this.opts.name;
  }

  /** The timings in force, defaults filled in. */
  get timings(): { leaseTtl: number; renewDeadline: number; retryPeriod: number } {
    const { leaseTtl, renewDeadline, retryPeriod } = this.opts;
    return { leaseTtl, renewDeadline, retryPeriod };
  }

  /**
   * True while this instance leads and its lease is within its local deadline. Check it right before
   * leader-only work: a process paused past the deadline reads false before any timer had a chance to run.
   */
  get isLeader(): boolean {
    return this.#isLeader && this.#term?.isHeld() === true;
  }

  /** The leader as last seen: this instance's id while it leads, else another's (or null). */
  get leaderId(): string | null {
    return this.#leaderId;
  }

  /**
   * Resigns (handing the lease to the next campaigner at once) and stops campaigning. Resolves once the
   * term's `onElected` work has returned (or the shutdown timeout passed): from inside that work, call it
   * without awaiting it, or it waits the whole shutdown timeout for itself.
   */
  async stop(): Promise<void> {
    if (!this.#stop.signal.aborted) this.#stop.abort();
    await this.#done;
  }

  async #run(): Promise<void> {
    const stopped = this.#stop.signal;
    if (this.opts.signal?.aborted) this.#stop.abort();
    while (!stopped.aborted && !this.host.closed) {
      let lease: Lease;
      try {
        lease = await this.host.campaign(this.opts, stopped, (holder) => this.#seeLeader(holder));
      } catch (err) {
        if (stopped.aborted || this.host.closed) break;
        this.host.backgroundError(err, `campaigning for "${this.opts.name}"`);
        await sleep(this.opts.retryPeriod, stopped);
        continue;
      }
      // Handed out held, but this process stalled before getting here and the lease ran out meanwhile: no
      // term begins on it (its loss was already told, to nobody).
      if (!lease.isHeld()) continue;
      this.#term = lease;
      this.#isLeader = true;
      this.#seeLeader(this.host.instanceId);
      // The term's signal ends with the term, whatever ends it: the lease's loss, or resignation.
      const term = new AbortController();
      const endTerm = () => term.abort(lease.signal.reason ?? new LockLostError(this.opts.name, 'resigned'));
      lease.signal.addEventListener('abort', endTerm, { once: true });
      // Leader-only work runs while the term lasts (its promise may end only when term.signal aborts): the
      // campaign watches the lease meanwhile instead of waiting for the work.
      const work = this.#hook('onElected', () =>
        this.opts.onElected?.({ fence: lease.fence, signal: term.signal }),
      );
      await settledOrAborted(lease.ended, stopped);
      this.#isLeader = false; // before resigning: Redis may hand the lease on before the reply is back
      lease.signal.removeEventListener('abort', endTerm);
      endTerm();
      // The work stops first, then the lease goes: a successor never starts while this term's work still
      // runs (the lease keeps renewing meanwhile), unless the work outlasts the shutdown timeout.
      await settlesWithin(work, this.host.shutdownTimeout);
      // Resign (nothing to do if the lease was lost): the next campaigner is handed it at once.
      await lease.release().catch((err) => this.host.backgroundError(err, `resigning "${this.opts.name}"`));
      this.#term = null;
      this.#isLeader = false;
      this.#seeLeader(null);
      // The next campaign waits for onRevoked; stopping waits for it at most the shutdown timeout.
      const revoked = this.#hook('onRevoked', () => this.opts.onRevoked?.());
      await settledOrAborted(revoked, stopped);
      if (stopped.aborted) await settlesWithin(revoked, this.host.shutdownTimeout);
    }
    // A long-lived signal (the app's) outlives this election: it keeps no listener of ours.
    this.opts.signal?.removeEventListener('abort', this.#onUserAbort);
    this.host.electionStopped(this);
  }

  #seeLeader(id: string | null): void {
    if (id === this.#leaderId) return;
    this.#leaderId = id;
    void this.#hook('onLeaderChange', () => this.opts.onLeaderChange?.(id));
  }

  async #hook(name: string, call: () => unknown): Promise<void> {
    try {
      await call();
    } catch (err) {
      this.host.backgroundError(err, `${name} of election "${this.opts.name}"`);
    }
  }
}
