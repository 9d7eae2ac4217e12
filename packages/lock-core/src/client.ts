import { EventEmitter } from 'node:events';
import { LockClosedError } from './errors/lock-closed-error.js';
import type { LockLostError } from './errors/lock-lost-error.js';
import { getValue, setValue } from './kv.js';
import type { AcquireOptions } from './lease/acquire-options.js';
import type { Lease } from './lease/lease.js';
import { type LockClientOptions, type ResolvedOptions, resolveOptions } from './options.js';
import type { ElectOptions } from './owner/elect-options.js';
import type { LeaderElection } from './owner/election.js';
import { OwnerLock } from './owner/owner-lock.js';
import { TimedLocks } from './timed/timed-locks.js';
import { Alarms } from './util/alarms.js';
import { reportBackground } from './util/report.js';
import {
  assertBoolean,
  assertFunction,
  assertKey,
  assertLockName,
  assertString,
  assertTtl,
} from './util/validate.js';
import { WorkInProgress } from './util/work.js';

export interface LockClientEvents {
  /** A background failure: a renewal or release that erred, a `lock()` callback that threw, Redis away. */
  error: [err: unknown];
  /** A lease was lost (its signal aborted). */
  lost: [key: string, err: LockLostError];
}

/**
 * Distributed locks on one Redis (or Cluster): timed locks with fencing and fair, event-driven handoff;
 * an owner lease per namespace with leader election; raw set/get. Background failures become `'error'`
 * events (or go to the logger when nobody listens), never exceptions thrown from a timer.
 *
 * This class checks arguments and delegates: the timed locks live in `timed/`, the owner lease and
 * elections in `owner/`, the leases they hand out in `lease/`, the Lua scripts in `scripts/`.
 */
export class LockClient extends EventEmitter<LockClientEvents> {
  readonly namespace: string;
  readonly instanceId: string;
  readonly #o: ResolvedOptions;
  /** Deadlines and renewals of this client's leases, on one timer. */
  readonly #alarms = new Alarms();
  /** Work under a lease that close() lets finish before it releases. */
  readonly #work = new WorkInProgress();
  readonly #timed: TimedLocks;
  readonly #owner: OwnerLock;
  #closed: Promise<void> | undefined;

  constructor(options: LockClientOptions) {
    super();
    const o = resolveOptions(options);
    this.#o = o;
    this.namespace = o.namespace;
    this.instanceId = o.instanceId;
    const client = this;
    const report = (err: unknown, context: string): void => reportBackground(this, o.logger, err, context);
    this.#timed = new TimedLocks({
      options: o,
      alarms: this.#alarms,
      work: this.#work,
      get closed() {
        return client.closed;
      },
      report,
      lost: (key, err) => {
        if (this.listenerCount('lost') > 0) this.emit('lost', key, err);
      },
    });
    this.#owner = new OwnerLock(
      {
        namespace: o.namespace,
        instanceId: o.instanceId,
        keyPrefix: o.keyPrefix,
        ownerTtl: o.ownerTtl,
        fallbackPoll: o.fallbackPoll,
        get closed() {
          return client.closed;
        },
        work: this.#work,
        shutdownTimeout: o.shutdownTimeout,
        report,
      },
      this.#timed,
    );
  }

  get closed(): boolean {
    return this.#closed !== undefined;
  }

  // ---- key/value ------------------------------------------------------------------------------------

  /** SET `key` to `value`; unless `override`, an existing value is kept (SET NX). */
  async set(key: string, value: string, override = false): Promise<void> {
    assertKey(key);
    assertString(value, 'value');
    assertBoolean(override, 'override');
    this.#assertOpen();
    await setValue(this.#o.redis, this.#o.keyPrefix + key, value, override);
  }

  /** The value of `key`, or null. */
  async get(key: string): Promise<string | null> {
    assertKey(key);
    this.#assertOpen();
    return getValue(this.#o.redis, this.#o.keyPrefix + key);
  }

  // ---- timed lock -----------------------------------------------------------------------------------

  /**
   * The original call: waits until `key` is free, then runs `callback(unlock)`. The lock expires after
   * `ttl` unless `unlock()` comes first; it is not extended. A throw or rejection from the callback
   * releases the lock and is reported as an `'error'` event.
   */
  lock(key: string, callback: (unlock: () => void) => unknown, ttl: number = this.#o.ttl): void {
    assertLockName(key);
    assertFunction(callback, 'callback');
    assertTtl(ttl, 'ttl');
    this.#assertOpen();
    this.#timed.lock(key, callback, ttl);
  }

  /** Waits for `key` (up to `waitTimeout`, or until `signal` aborts) and returns the lease. */
  async acquire(key: string, options?: AcquireOptions): Promise<Lease> {
    assertLockName(key);
    return this.#timed.acquire(key, options);
  }

  /** One attempt: the lease, or null if `key` is held (or others are queued for it). */
  async tryAcquire(
    key: string,
    options?: Omit<AcquireOptions, 'waitTimeout' | 'signal'>,
  ): Promise<Lease | null> {
    assertLockName(key);
    return this.#timed.tryAcquire(key, options);
  }

  /**
   * Acquires `key`, runs `fn(lease)`, releases in `finally`, and returns `fn`'s result. A release error
   * never hides `fn`'s result or error: it is reported as an `'error'` event.
   */
  async withLock<T>(key: string, fn: (lease: Lease) => T | Promise<T>, options?: AcquireOptions): Promise<T> {
    assertFunction(fn, 'fn');
    assertLockName(key);
    return this.#timed.withLock(key, fn, options);
  }

  // ---- owner lock -----------------------------------------------------------------------------------

  /** Acquire-or-renew this namespace's owner lease in one step; true if this instance holds it. */
  async isLockOwner(): Promise<boolean> {
    this.#assertOpen();
    return (await this.#owner.claim()) === this.instanceId;
  }

  /** Claims the owner lease if it is free (or ours); returns the id holding it now. Never steals. */
  async setLockOwner(): Promise<string> {
    this.#assertOpen();
    return this.#owner.claim();
  }

  /** The id of the owner lease's holder, or null. */
  async getLockOwner(): Promise<string | null> {
    this.#assertOpen();
    return this.#owner.holder();
  }

  /** Gives up the owner lease if this instance holds it (handing it to a campaigner at once). */
  async removeLockOwner(): Promise<void> {
    this.#assertOpen();
    await this.#owner.remove();
  }

  /**
   * Runs `fn` only if this instance owns the namespace's lease (claiming it as `isLockOwner()` does) and
   * returns its result; on another pod, undefined without running it. `close()` lets `fn` finish (up to
   * `shutdownTimeout`) before it gives the ownership up, so no other pod starts the same work meanwhile.
   */
  async ifLockOwner<T>(fn: () => T | Promise<T>): Promise<T | undefined> {
    assertFunction(fn, 'fn');
    this.#assertOpen();
    return this.#owner.ifOwner(fn);
  }

  /** Starts a background campaign for the owner lease (see `ElectOptions`). */
  elect(options?: ElectOptions): LeaderElection {
    return this.#owner.elect(options);
  }

  // ---- lifecycle ------------------------------------------------------------------------------------

  /**
   * Ends waits (they reject with `LockClosedError`), lets work still running under a lease finish (up to
   * `shutdownTimeout`; see that option), stops elections, then releases every lease and the ownership,
   * stops every timer and closes the subscriber connection it made. The connection it was given stays open.
   */
  close(): Promise<void> {
    this.#closed ??= this.#shutdown();
    return this.#closed;
  }

  async #shutdown(): Promise<void> {
    const closedErr = new LockClosedError();
    this.#timed.rejectWaiters(closedErr);
    await Promise.all([this.#work.settle(this.#o.shutdownTimeout), this.#owner.stopElections()]);
    await this.#timed.releaseAll(closedErr);
    this.#alarms.stop();
  }

  #assertOpen(): void {
    if (this.#closed) throw new LockClosedError();
  }
}
