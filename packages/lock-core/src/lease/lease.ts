import { LockLostError, type LockLostReason } from '../errors/lock-lost-error.js';
import { LockNotHeldError } from '../errors/lock-not-held-error.js';
import type { LockKeys } from '../protocol/keys.js';
import { isTransient } from '../redis/transient.js';
import type { ExtendResult } from '../scripts/calls.js';
import type { Alarm, Alarms } from '../util/alarms.js';
import { Latch } from '../util/latch.js';
import { assertTtl } from '../util/validate.js';
import { Extensions } from './extensions.js';
import { validityOf } from './freshness.js';
import type { LeaseInit } from './lease-init.js';

/** What a lease needs from the client that made it. */
export interface LeaseHost {
  /** The client's shared timer for deadlines and renewals (stopped by its close()). */
  readonly alarms: Alarms;
  /** Resets the lease's expiry in Redis to `ttl` if it still holds the lock. */
  extend(keys: LockKeys, token: string, ttl: number): Promise<ExtendResult>;
  /** Runs release.lua for this lease (the key's queue decides whether to hand on locally). */
  release(lease: Lease): Promise<boolean>;
  /** Gives back exactly this hold (token, `heldUnder`) if Redis has it still; nothing once closed. */
  giveBack(lease: Lease): Promise<unknown> | undefined;
  /** The lease stopped being held, by release or loss (the key's queue may serve its next waiter). */
  ended(lease: Lease): void;
  lost(lease: Lease, err: LockLostError): void;
  backgroundError(err: unknown, context: string): void;
}

/**
 * A held lock. Its `signal` aborts with a `LockLostError` as soon as the lease is known lost: a renewal
 * found the key gone or taken, or the local deadline (a monotonic clock, set before Redis's expiry)
 * passed without a confirmed renewal, whether or not Redis could be reached.
 */
export class Lease implements AsyncDisposable {
  readonly key: string;
  /** Strictly increasing across holders of this key: give it to the resource so it can refuse stale writers. */
  readonly fence: number;
  /** @internal the lock's keys in Redis. */
  readonly redisKeys: LockKeys;
  /** @internal the value in Redis that says this lease holds the key. */
  readonly token: string;
  /**
   * @internal The fence Redis keeps with this hold: `fence`, or a newer one when a call of this client with
   * the same token (an owner lease's instance id) found the hold already its own and re-stamped it.
   */
  heldUnder: number;

  #ttl: number;
  #deadline: number;
  readonly #startedAt: number;
  readonly #init: LeaseInit;
  readonly #host: LeaseHost;
  /** Made on first use of `signal`: most leases are released without anyone reading it. */
  #controller: AbortController | undefined;
  #lostWith: LockLostError | undefined;
  #renewAlarm: Alarm | undefined;
  #deadlineAlarm: Alarm | undefined;
  #released: Promise<boolean> | undefined;
  readonly #extensions = new Extensions();
  #ended = false;
  readonly #endedLatch = new Latch();

  constructor(host: LeaseHost, init: LeaseInit) {
    this.#host = host;
    this.#init = init;
    this.redisKeys = init.keys;
    this.key = init.keys.name;
    this.token = init.token;
    this.fence = init.fence;
    this.heldUnder = init.fence;
    this.#ttl = init.ttl;
    this.#startedAt = init.startedAt;
    this.#deadline = init.startedAt + this.#validFor(init.ttl);
    this.#armDeadline();
    if (init.autoExtend) this.#scheduleRenewal();
  }

  /** Aborts with a `LockLostError` the moment the lease is known lost or past its local deadline. */
  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController();
      if (this.#lostWith) this.#controller.abort(this.#lostWith);
    }
    return this.#controller.signal;
  }

  /** @internal Settles once the lease stopped being held, by release or loss. */
  get ended(): Promise<void> {
    return this.#endedLatch.promise;
  }

  /** The ttl the lease was last set to, ms. */
  get ttl(): number {
    return this.#ttl;
  }

  /** Ms left before the local deadline (0 once released or lost), which falls before Redis's expiry. */
  remaining(): number {
    return this.#ended || this.#released ? 0 : Math.max(0, this.#deadline - performance.now());
  }

  /**
   * True while release() has not been called, no loss is known, and the local deadline is ahead. False
   * from the moment release() is called: Redis may hand the lock on before the reply is back.
   */
  isHeld(): boolean {
    return !this.#ended && !this.#released && performance.now() < this.#deadline;
  }

  /**
   * Resets the lease's expiry to `ttl` (default: its own) from now, longer or shorter. The local deadline
   * and the renewal period follow the new ttl. Rejects with `LockNotHeldError` when it was released or is
   * past its deadline, and with `LockLostError` when Redis says it is gone or taken (the signal aborts too).
   */
  extend(ttl: number = this.#ttl): Promise<void> {
    try {
      assertTtl(ttl, 'ttl');
    } catch (err) {
      return Promise.reject(err);
    }
    if (!this.isHeld()) return Promise.reject(new LockNotHeldError(this.key));
    // The lease's ttl from now on, renewals included: one sent before this reply must not restore the old.
    if (ttl !== this.#ttl) {
      this.#ttl = ttl;
      if (this.#renewAlarm) this.#scheduleRenewal();
    }
    return this.#extendNow(ttl).then(() => {});
  }

  /** Resolves with the send time of the extension (its reply came back 'extended'). */
  async #extendNow(ttl: number): Promise<number> {
    const sentAt = performance.now();
    const sent = this.#extensions.send(sentAt, sentAt + this.#validFor(ttl));
    // Redis may apply a shorter ttl at any moment from now on, long before its reply is back: the local
    // deadline is brought in at once, not on the reply.
    if (sent.until < this.#deadline) {
      this.#deadline = sent.until;
      this.#armDeadline();
    }
    let result: ExtendResult;
    try {
      result = await this.#host.extend(this.redisKeys, this.token, ttl);
    } finally {
      this.#extensions.answered(sent);
    }
    if (result === 'extended') {
      if (this.#ended || this.#released) return sentAt;
      // Redis's expiry is now at least sentAt + ttl, shorter or longer than before: the deadline follows
      // (see Extensions), so a shortened lease is never believed held past its expiry.
      const until = this.#extensions.deadlineAfter(sent);
      if (until !== undefined) {
        this.#deadline = until;
        this.#armDeadline();
      }
      return sentAt;
    }
    const err = new LockLostError(this.key, result === 'gone' ? 'deleted' : 'taken');
    this.#lose(err);
    throw err;
  }

  /**
   * Gives the lock up (to the next waiter, if any). Resolves true if this lease still held it, false if
   * it had been released before or was lost. Never deletes another holder's lock.
   */
  release(): Promise<boolean> {
    if (this.#released) return this.#released.then(() => false);
    if (this.#lostWith) {
      // Lost by its own clock, Redis may hold it still (a term, for leaseTtl - renewDeadline): given back if
      // Redis has this very hold (fence too: an instance id outlives terms).
      const ownClock = ['expired', 'max-hold'].includes(this.#lostWith.reason);
      this.#released = Promise.resolve(ownClock ? this.#host.giveBack(this) : undefined)
        .catch(() => undefined)
        .then(() => false);
      return this.#released;
    }
    this.#stopTimers();
    // then(ok, fail) rather than finally(): one promise reaction less on every release.
    this.#released = this.#host.release(this).then(
      (released) => {
        this.#end();
        return released;
      },
      (err: unknown) => {
        this.#end();
        throw err;
      },
    );
    return this.#released;
  }

  /** @internal Redis showed the lease is someone else's (an owner claim that failed, say). */
  forfeit(reason: LockLostReason): void {
    // Being released: it is given up, not lost.
    if (this.#released) return;
    this.#lose(new LockLostError(this.key, reason));
  }

  /** @internal The hold goes on under another lease of this client: this one ends as released, Redis untold. */
  handOff(): void {
    this.#released = Promise.resolve(false);
    this.#end();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.release();
  }

  #validFor(ttl: number): number {
    return validityOf(ttl, this.#init.validFor);
  }

  #armDeadline(): void {
    this.#host.alarms.cancel(this.#deadlineAlarm);
    if (this.#ended) return;
    const reason: LockLostReason = this.#renewalStopped() ? 'max-hold' : 'expired';
    // Alarms round the delay down to whole ms: early is the safe side of a deadline.
    this.#deadlineAlarm = this.#host.alarms.set(this.#deadline - performance.now(), () =>
      this.#lose(new LockLostError(this.key, reason)),
    );
  }

  #renewalStopped(): boolean {
    const { maxHold } = this.#init;
    return maxHold !== undefined && performance.now() - this.#startedAt >= maxHold;
  }

  #renewPeriod(): number {
    return this.#init.renewEvery ?? Math.max(1, Math.floor(this.#ttl / 3));
  }

  #scheduleRenewal(delay = this.#renewPeriod()): void {
    this.#host.alarms.cancel(this.#renewAlarm);
    if (this.#ended) return;
    this.#renewAlarm = this.#host.alarms.set(delay, () => {
      this.#renewAlarm = undefined;
      void this.#renew();
    });
  }

  async #renew(): Promise<void> {
    if (this.#ended || this.#released) return;
    // Past the deadline the lease cannot be revived: someone may have believed it free.
    if (performance.now() >= this.#deadline) {
      this.#lose(new LockLostError(this.key, 'expired'));
      return;
    }
    if (this.#renewalStopped()) {
      this.#armDeadline();
      return;
    }
    try {
      const sentAt = await this.#extendNow(this.#ttl);
      const period = this.#renewPeriod(); // after the reply: an extend() meanwhile may have changed the ttl
      // The next renewal counts from this one's send, as the deadline does: a slow reply must not push
      // every renewal later until one lands past the deadline.
      this.#scheduleRenewal(Math.max(1, Math.floor(sentAt + period - performance.now())));
    } catch (err) {
      // Released or lost meanwhile: the renewal that raced it has nothing left to do.
      if (this.#ended || this.#released || LockNotHeldError.isInstance(err)) return;
      if (isTransient(err)) {
        // Redis unreachable: keep trying while the deadline allows; the deadline timer aborts the signal.
        this.#host.backgroundError(err, `renewing lock "${this.key}"`);
        this.#scheduleRenewal(Math.max(1, Math.min(1_000, Math.floor(this.#ttl / 10))));
      } else if (!LockLostError.isInstance(err)) {
        this.#host.backgroundError(err, `renewing lock "${this.key}"`);
        this.#scheduleRenewal();
      }
    }
  }

  #lose(err: LockLostError): void {
    if (this.#ended) return;
    this.#lostWith = err;
    // Ended before anyone hears of it: inside an abort listener, isHeld() already says false.
    this.#ended = true;
    this.#stopTimers();
    this.#controller?.abort(err);
    this.#host.lost(this, err);
    this.#finish();
  }

  #end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#stopTimers();
    this.#finish();
  }

  #finish(): void {
    this.#endedLatch.open();
    this.#host.ended(this);
  }

  #stopTimers(): void {
    this.#host.alarms.cancel(this.#renewAlarm);
    this.#host.alarms.cancel(this.#deadlineAlarm);
  }
}
