import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type { RedisConnection } from './connection.js';
import { LockClosedError } from './errors/lock-closed-error.js';
import type { LockLostError } from './errors/lock-lost-error.js';
import { LockTimeoutError } from './errors/lock-timeout-error.js';
import { Alarms } from './internal/alarms.js';
import { Notifier } from './internal/notifier.js';
import { assertBoolean, assertFunction, assertKey, assertMs, assertString } from './internal/validate.js';
import { type LockKeys, lockKeyOf, lockKeys, ownerKeys } from './keys.js';
import { getValue, setValue } from './kv.js';
import { type LockClientOptions, type ResolvedOptions, resolveOptions } from './options.js';
import {
  type ElectionHost,
  type ElectOptions,
  LeaderElection,
  resolveElectOptions,
} from './owner/election.js';
import {
  attemptAcquire,
  extendLock,
  type PublishCommand,
  quickAcquire,
  releaseLock,
} from './scripts/operations.js';
import { type AcquireOptions, type ResolvedAcquire, resolveAcquireOptions } from './timed/acquire-options.js';
import { AttemptMode, KeyQueue, type LeaseSettings, type QueueHost, randomToken } from './timed/key-queue.js';
import { Lease, type LeaseHost } from './timed/lease.js';
import { acquireReplicated, type ReplicationHost, tryReplicated, withWait } from './timed/replication.js';
import { runWithUnlock } from './timed/run-with-unlock.js';
import { type PendingWaiter, waitInQueue } from './timed/wait.js';
import { runHolding } from './timed/with-lease.js';

/** Idle key queues kept for reuse before a sweep (see `idle` in the queue host). */
const IDLE_QUEUES_KEPT = 1_024;

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
 */
export class LockClient extends EventEmitter<LockClientEvents> {
  readonly namespace: string;
  readonly instanceId: string;
  readonly #o: ResolvedOptions;
  readonly #redis: RedisConnection;
  readonly #notifier: Notifier;
  /** Per lock key: its local waiters and holder; kept while idle, up to a bound (see `idle` below). */
  readonly #queues = new Map<string, KeyQueue>();
  #sweepAt = IDLE_QUEUES_KEPT;
  /** Deadlines and renewals of this client's leases, on one timer. */
  readonly #alarms = new Alarms();
  readonly #leases = new Set<Lease>();
  readonly #waiters = new Set<PendingWaiter>();
  readonly #elections = new Set<LeaderElection>();
  readonly #clientTag = randomBytes(6).toString('base64url');
  readonly #publish: PublishCommand;
  #closed: Promise<void> | undefined;
  readonly #leaseHost: LeaseHost;
  readonly #queueHost: QueueHost;
  readonly #electionHost: ElectionHost;
  readonly #replicationHost: ReplicationHost;

  constructor(options: LockClientOptions) {
    super();
    this.#o = resolveOptions(options);
    this.#redis = this.#o.redis;
    this.namespace = this.#o.namespace;
    this.instanceId = this.#o.instanceId;
    // Sharded pub/sub keeps a release's message on the lock's own shard instead of every Cluster node.
    const sharded = this.#o.pubsub === 'sharded';
    this.#publish = sharded ? 'SPUBLISH' : 'PUBLISH';
    this.#notifier = new Notifier(
      this.#redis,
      (err) => this.#backgroundError(err, 'subscriber connection'),
      () => {
        for (const queue of this.#queues.values()) queue.kick();
      },
      sharded,
    );
    this.#leaseHost = this.#makeLeaseHost();
    this.#queueHost = this.#makeQueueHost();
    this.#electionHost = this.#makeElectionHost();
    this.#replicationHost = {
      redis: this.#redis,
      hasQueue: (keys) => this.#queues.get(keys.lock)?.isIdle === false,
      tryOnce: (keys, token, ttl, settings, redis) => this.#tryOnce(keys, token, ttl, settings, redis),
      waitQueued: (keys, o) => this.#wait(this.#queueFor(keys), o, settingsOf(o)),
      backgroundError: (err, context) => this.#backgroundError(err, context),
    };
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
    await setValue(this.#redis, this.#o.keyPrefix + key, value, override);
  }

  /** The value of `key`, or null. */
  async get(key: string): Promise<string | null> {
    assertKey(key);
    this.#assertOpen();
    return getValue(this.#redis, this.#o.keyPrefix + key);
  }

  // ---- timed lock -----------------------------------------------------------------------------------

  /**
   * The original call: waits until `key` is free, then runs `callback(unlock)`. The lock expires after
   * `ttl` unless `unlock()` comes first; it is not extended. A throw or rejection from the callback
   * releases the lock and is reported as an `'error'` event.
   */
  lock(key: string, callback: (unlock: () => void) => unknown, ttl: number = this.#o.ttl): void {
    assertKey(key);
    assertFunction(callback, 'callback');
    assertMs(ttl, 'ttl');
    this.#assertOpen();
    this.acquire(key, { ttl, autoExtend: false }).then(
      (lease) => runWithUnlock(lease, callback, (err, context) => this.#backgroundError(err, context)),
      (err) => {
        if (!this.closed) this.#backgroundError(err, `waiting for lock "${key}"`);
      },
    );
  }

  /** Waits for `key` (up to `waitTimeout`, or until `signal` aborts) and returns the lease. */
  async acquire(key: string, options?: AcquireOptions): Promise<Lease> {
    assertKey(key);
    const o = resolveAcquireOptions(options, this.#o.ttl, true);
    this.#assertOpen();
    // A key taken before has its queue still (kept while idle): its keys are built already.
    const known = this.#queues.get(lockKeyOf(this.#o.keyPrefix, key));
    const keys = known?.keys ?? lockKeys(this.#o.keyPrefix, key);
    if (o.waitReplicas) return acquireReplicated(this.#replicationHost, keys, o);
    // A key this client waited for lately is still subscribed: a contended key. Its queue enqueues on the
    // first attempt, one round trip, so a plain try first would only add one.
    const contended =
      !this.#notifier.isIdle && this.#notifier.isSubscribed(`${keys.channel}:${this.#clientTag}`);
    if (contended || (known && !known.isIdle) || o.signal?.aborted || o.waitTimeout === 0) {
      return this.#wait(known ?? this.#queueFor(keys), o, settingsOf(o));
    }
    // Nobody here waits for or holds the key: one plain attempt before any waiting machinery runs (most
    // acquisitions are uncontended). Callers arriving meanwhile queue behind it; if the key is held, this
    // caller goes first among them, already knowing it must subscribe and queue up in Redis.
    const queue = known ?? this.#queueFor(keys);
    const startedAt = performance.now();
    queue.trying = true;
    let lease: Lease | null = null;
    try {
      const token = randomToken();
      const sentAt = performance.now();
      const reply = await quickAcquire(this.#redis, keys, token, o.ttl);
      if (reply.acquired) lease = this.#newLease(keys, token, reply.fence, o.ttl, sentAt, settingsOf(o));
    } catch {
      // Redis away or refusing: the queue's own loop retries with backoff, or fails every waiter.
    } finally {
      queue.trying = false;
    }
    if (this.closed) {
      // close() ran while the attempt was out: it could not see this lease or this waiter.
      await lease?.release().catch(() => {});
      queue.kick();
      throw new LockClosedError();
    }
    if (lease) {
      queue.holder = lease;
      return lease;
    }
    queue.tried = true;
    const left =
      o.waitTimeout === undefined ? undefined : Math.ceil(o.waitTimeout - (performance.now() - startedAt));
    if (left !== undefined && left <= 0) {
      queue.kick();
      throw new LockTimeoutError(key, o.waitTimeout as number);
    }
    return waitInQueue(queue, { ...o, waitTimeout: left }, settingsOf(o), this.#waiters, true);
  }

  /** One attempt: the lease, or null if `key` is held (or others are queued for it). */
  async tryAcquire(
    key: string,
    options?: Omit<AcquireOptions, 'waitTimeout' | 'signal'>,
  ): Promise<Lease | null> {
    assertKey(key);
    const o = resolveAcquireOptions(options, this.#o.ttl, false);
    this.#assertOpen();
    const keys = lockKeys(this.#o.keyPrefix, key);
    if (o.waitReplicas) return tryReplicated(this.#replicationHost, keys, o, withWait(this.#redis, o));
    return this.#tryOnce(keys, randomToken(), o.ttl, settingsOf(o));
  }

  /**
   * Acquires `key`, runs `fn(lease)`, releases in `finally`, and returns `fn`'s result. A release error
   * never hides `fn`'s result or error: it is reported as an `'error'` event.
   */
  async withLock<T>(key: string, fn: (lease: Lease) => T | Promise<T>, options?: AcquireOptions): Promise<T> {
    assertFunction(fn, 'fn');
    const lease = await this.acquire(key, options);
    return runHolding(lease, fn, (err, context) => this.#backgroundError(err, context));
  }

  // ---- owner lock -----------------------------------------------------------------------------------

  /** Acquire-or-renew this namespace's owner lease in one step; true if this instance holds it. */
  async isLockOwner(): Promise<boolean> {
    this.#assertOpen();
    return (await this.#claimOwner()) === this.instanceId;
  }

  /** Claims the owner lease if it is free (or ours); returns the id holding it now. Never steals. */
  async setLockOwner(): Promise<string> {
    this.#assertOpen();
    return this.#claimOwner();
  }

  /** The id of the owner lease's holder, or null. */
  async getLockOwner(): Promise<string | null> {
    this.#assertOpen();
    return this.#redis.get(ownerKeys(this.#o.keyPrefix, this.namespace).lock);
  }

  /** Gives up the owner lease if this instance holds it (handing it to a campaigner at once). */
  async removeLockOwner(): Promise<void> {
    this.#assertOpen();
    const keys = ownerKeys(this.#o.keyPrefix, this.namespace);
    const held = this.#queues.get(keys.lock)?.holder;
    if (held) await held.release();
    else await releaseLock(this.#redis, keys, this.#publish, this.instanceId, '', '');
  }

  /** Starts a background campaign for the owner lease (see `ElectOptions`). */
  elect(options?: ElectOptions): LeaderElection {
    const o = resolveElectOptions(options, this.namespace, this.#o.ownerTtl);
    this.#assertOpen();
    for (const running of this.#elections) {
      if (running.name === o.name)
        throw new Error(`an election for "${o.name}" is already running on this client`);
    }
    const election = new LeaderElection(this.#electionHost, o);
    this.#elections.add(election);
    return election;
  }

  // ---- lifecycle ------------------------------------------------------------------------------------

  /**
   * Stops elections and waits, releases every lease and the ownership this client holds, stops every
   * timer and closes the subscriber connection it made. The connection it was given stays open.
   */
  close(): Promise<void> {
    this.#closed ??= this.#shutdown();
    return this.#closed;
  }

  async #shutdown(): Promise<void> {
    const closedErr = new LockClosedError();
    for (const { queue, waiter } of [...this.#waiters]) {
      queue.leave(waiter);
      waiter.reject(closedErr);
    }
    await Promise.all([...this.#elections].map((e) => e.stop()));
    await Promise.all(
      [...this.#leases].map((lease) => lease.release().catch((err) => this.#backgroundError(err, 'closing'))),
    );
    // A snapshot: failAll() may idle a queue, and an idle queue may be swept from the map.
    const queues = [...this.#queues.values()];
    for (const queue of queues) queue.failAll(closedErr);
    await Promise.all(queues.map((queue) => queue.drain()));
    await this.#notifier.close();
    this.#alarms.stop();
  }

  // ---- internals ------------------------------------------------------------------------------------

  #assertOpen(): void {
    if (this.#closed) throw new LockClosedError();
  }

  async #claimOwner(): Promise<string> {
    const keys = ownerKeys(this.#o.keyPrefix, this.namespace);
    const ttl = this.#o.ownerTtl;
    const sentAt = performance.now();
    const reply = await attemptAcquire(
      this.#redis,
      keys,
      this.#publish,
      this.instanceId,
      ttl,
      AttemptMode.Try,
      '',
      '',
    );
    if (this.closed) {
      // close() ran while the claim was out: it could not see this ownership, so give it back here.
      if (reply.acquired) await releaseLock(this.#redis, keys, this.#publish, this.instanceId, '', '');
      throw new LockClosedError();
    }
    // Looked up after the reply: an idle queue may have been swept from the map meanwhile.
    const queue = this.#queueFor(keys, this.#o.fallbackPoll, this.instanceId);
    if (reply.acquired) {
      // Ownership is sticky: a lease kept alive in the background until removeLockOwner() or close().
      if (!queue.holder?.isHeld()) {
        queue.adopt(reply.fence, ttl, sentAt, () =>
          this.#newLease(keys, this.instanceId, reply.fence, ttl, sentAt, { autoExtend: true }),
        );
      }
      return this.instanceId;
    }
    queue.holder?.forfeit('taken');
    return reply.holder;
  }

  async #tryOnce(
    keys: LockKeys,
    token: string,
    ttl: number,
    settings: LeaseSettings,
    redis = this.#redis,
  ): Promise<Lease | null> {
    const sentAt = performance.now();
    const reply = await attemptAcquire(redis, keys, this.#publish, token, ttl, AttemptMode.Try, '', '');
    if (!reply.acquired) return null;
    return this.#newLease(keys, token, reply.fence, ttl, sentAt, settings);
  }

  #wait(queue: KeyQueue, o: ResolvedAcquire, settings: LeaseSettings): Promise<Lease> {
    const { signal, waitTimeout } = o;
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (waitTimeout === 0) {
      return this.#tryOnce(queue.keys, randomToken(), o.ttl, settings).then((lease) => {
        if (!lease) throw new LockTimeoutError(queue.keys.name, 0);
        return lease;
      });
    }
    return waitInQueue(queue, o, settings, this.#waiters);
  }

  #queueFor(keys: LockKeys, pollPeriod = this.#o.fallbackPoll, fixedToken?: string): KeyQueue {
    let queue = this.#queues.get(keys.lock);
    if (!queue) {
      queue = new KeyQueue(this.#queueHost, keys, pollPeriod, fixedToken);
      this.#queues.set(keys.lock, queue);
    } else {
      // The owner lease's queue serves isLockOwner() (fallbackPoll) and elect() (retryPeriod) in turn.
      queue.setPollPeriod(pollPeriod);
    }
    return queue;
  }

  #sweepIdleQueues(): void {
    for (const [lock, queue] of this.#queues) if (queue.canForget) this.#queues.delete(lock);
    this.#sweepAt = Math.max(IDLE_QUEUES_KEPT, 2 * this.#queues.size);
  }

  #newLease(
    keys: LockKeys,
    token: string,
    fence: number,
    ttl: number,
    startedAt: number,
    s: LeaseSettings,
  ): Lease {
    const lease = new Lease(this.#leaseHost, { keys, token, fence, ttl, startedAt, ...s });
    this.#leases.add(lease);
    return lease;
  }

  #backgroundError(err: unknown, context: string): void {
    if (this.listenerCount('error') > 0) {
      this.emit('error', err);
      return;
    }
    try {
      this.#o.logger.error(`[@edirect/lock-core] ${context}: ${(err as Error)?.message ?? String(err)}`, err);
    } catch {
      // A logger that throws must not turn a background failure into a crash.
    }
  }

  #makeLeaseHost(): LeaseHost {
    return {
      alarms: this.#alarms,
      extend: (keys, token, ttl) => extendLock(this.#redis, keys, token, ttl),
      release: (lease) => {
        const queue = this.#queues.get(lease.keys.lock);
        if (queue) return queue.release(lease);
        return releaseLock(this.#redis, lease.keys, this.#publish, lease.token, '', '').then(
          (r) => r.released,
        );
      },
      ended: (lease) => {
        this.#leases.delete(lease);
        this.#queues.get(lease.keys.lock)?.ended(lease);
      },
      lost: (lease, err) => {
        if (this.listenerCount('lost') > 0) this.emit('lost', lease.key, err);
      },
      backgroundError: (err, context) => this.#backgroundError(err, context),
    };
  }

  #makeQueueHost(): QueueHost {
    const client = this;
    return {
      get closed() {
        return client.closed;
      },
      clientTag: this.#clientTag,
      notifier: this.#notifier,
      attempt: (keys, token, ttl, mode, entry, old) =>
        attemptAcquire(this.#redis, keys, this.#publish, token, ttl, mode, entry, old),
      release: (keys, token, requeue, leave) =>
        releaseLock(this.#redis, keys, this.#publish, token, requeue, leave),
      extend: (keys, token, ttl) => extendLock(this.#redis, keys, token, ttl),
      newLease: (keys, token, fence, ttl, startedAt, s) =>
        this.#newLease(keys, token, fence, ttl, startedAt, s),
      backgroundError: (err, context) => this.#backgroundError(err, context),
      idle: (queue) => {
        if (this.#queues.get(queue.keys.lock) !== queue) return;
        this.#notifier.unlisten(queue.grantChannel);
        // The queue stays for the key's next acquisition (a key is usually taken again and again, and
        // building a queue per acquisition showed in the uncontended benchmark); idle ones are swept
        // once the map has grown past a bound that doubles with the keys in use.
        if (this.#queues.size > this.#sweepAt) this.#sweepIdleQueues();
      },
    };
  }

  #makeElectionHost(): ElectionHost {
    const client = this;
    return {
      instanceId: this.instanceId,
      get closed() {
        return client.closed;
      },
      campaign: (o, signal, onHolder) => {
        const keys = ownerKeys(this.#o.keyPrefix, o.name);
        const queue = this.#queueFor(keys, o.retryPeriod, this.instanceId);
        queue.onHolder = onHolder;
        const acquire: ResolvedAcquire = {
          ttl: o.leaseTtl,
          waitTimeout: undefined,
          signal,
          autoExtend: true,
          maxHold: undefined,
        };
        return this.#wait(queue, acquire, {
          autoExtend: true,
          renewEvery: o.retryPeriod,
          validFor: o.renewDeadline,
        });
      },
      backgroundError: (err, context) => this.#backgroundError(err, context),
      electionStopped: (election) => {
        this.#elections.delete(election);
      },
    };
  }
}

function settingsOf(o: ResolvedAcquire): LeaseSettings {
  return { autoExtend: o.autoExtend, maxHold: o.maxHold };
}
