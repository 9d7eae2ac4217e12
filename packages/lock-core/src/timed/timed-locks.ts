import { LockClosedError } from '../errors/lock-closed-error.js';
import type { LockLostError } from '../errors/lock-lost-error.js';
import { LockTimeoutError } from '../errors/lock-timeout-error.js';
import { type ResolvedAcquire, resolveAcquireOptions, resolveTryOptions } from '../lease/acquire-options.js';
import { startOfWin, validityOf } from '../lease/freshness.js';
import type { Lease } from '../lease/lease.js';
import { runHolding } from '../lease/run-holding.js';
import type { ResolvedOptions } from '../options.js';
import { grantChannel } from '../protocol/channels.js';
import { type LockKeys, lockKeyOf, lockKeys } from '../protocol/keys.js';
import { Notifier } from '../redis/notifier.js';
import { isCluster } from '../redis/topology.js';
import * as script from '../scripts/calls.js';
import type { Alarms } from '../util/alarms.js';
import { randomTag, randomToken } from '../util/token.js';
import { WorkInProgress } from '../util/work.js';
import { KeyQueue } from './key-queue.js';
import { Leases } from './leases.js';
import type { QueueHost } from './queue-host.js';
import { acquireFirst } from './quick-path.js';
import { acquireReplicated, type ReplicationHost, tryReplicated, withWait } from './replication.js';
import { runWithUnlock } from './run-with-unlock.js';
import { type PendingWaiter, waitInQueue } from './wait.js';
import { type LeaseSettings, settingsOf } from './waiter.js';

/** Idle key queues kept for reuse before a sweep (see `#idle`). */
const IDLE_QUEUES_KEPT = 1_024;

/** What the timed locks need from the client that owns them. */
export interface TimedHost {
  readonly options: ResolvedOptions;
  readonly alarms: Alarms;
  /** Work under a lease that close() lets finish first. */
  readonly work: WorkInProgress;
  readonly closed: boolean;
  report(err: unknown, context: string): void;
  lost(key: string, err: LockLostError): void;
}

/**
 * The timed locks of one client: a key queue per lock key (its local waiters, its holder, its place in
 * the Redis queue), the leases it handed out, and the one subscriber connection grants arrive on.
 */
export class TimedLocks {
  /** Per lock key: its local waiters and holder; kept while idle, up to a bound (see `#idle`). */
  readonly #queues = new Map<string, KeyQueue>();
  #sweepAt = IDLE_QUEUES_KEPT;
  readonly #leases: Leases;
  readonly #waiters = new Set<PendingWaiter>();
  readonly notifier: Notifier;
  readonly scripts: script.ScriptTarget;
  readonly #queueHost: QueueHost;
  readonly #replication: ReplicationHost;
  readonly #clientTag = randomTag();
  /** One-shot attempts still out (a quick try, tryAcquire, an owner claim): close() waits for their answer. */
  readonly #attempts = new WorkInProgress();

  constructor(private readonly host: TimedHost) {
    const o = host.options;
    // Sharded pub/sub keeps a release's message on the lock's own shard instead of every Cluster node.
    const sharded = o.pubsub === 'sharded';
    this.scripts = {
      redis: o.redis,
      publish: sharded ? 'SPUBLISH' : 'PUBLISH',
      // Classic pub/sub on a Cluster counts only the publishing node's subscribers: no proof of a dead waiter.
      trustReceivers: sharded || !isCluster(o.redis),
    };
    this.notifier = new Notifier(
      o.redis,
      (err) => host.report(err, 'subscriber connection'),
      () => {
        for (const queue of this.#queues.values()) queue.kick();
      },
      sharded,
    );
    this.#leases = new Leases({
      alarms: host.alarms,
      scripts: this.scripts,
      queueOf: (keys) => this.#queues.get(keys.lock),
      lost: (key, err) => host.lost(key, err),
      report: (err, context) => host.report(err, context),
    });
    this.#queueHost = {
      get closed() {
        return host.closed;
      },
      clientTag: this.#clientTag,
      notifier: this.notifier,
      scripts: this.scripts,
      newLease: (keys, token, fence, ttl, startedAt, s) =>
        this.newLease(keys, token, fence, ttl, startedAt, s),
      report: (err, context) => host.report(err, context),
      idle: (keys) => this.#idle(keys),
    };
    this.#replication = {
      redis: o.redis,
      hasQueue: (keys) => this.#queues.get(keys.lock)?.isIdle === false,
      tryOnce: (keys, token, ttl, settings, redis) => this.#tryOnce(keys, token, ttl, settings, redis),
      waitQueued: (keys, opts) => this.wait(this.queueFor(keys), opts, settingsOf(opts)),
      backgroundError: (err, context) => host.report(err, context),
    };
  }

  /** The original `lock()`: waits, then runs `callback(unlock)`; failures are reported, never thrown. */
  lock(key: string, callback: (unlock: () => void) => unknown, ttl: number): void {
    this.acquire(key, { ttl, autoExtend: false }).then(
      (lease) => {
        // close() waits for the callback's lease to end: unlocked, or run out by its ttl.
        this.host.work.track(lease.ended);
        runWithUnlock(lease, callback, (err, context) => this.host.report(err, context));
      },
      (err) => {
        if (!this.host.closed) this.host.report(err, `waiting for lock "${key}"`);
      },
    );
  }

  async acquire(key: string, options: unknown): Promise<Lease> {
    const o = resolveAcquireOptions(options, this.host.options.ttl, true);
    this.#assertOpen();
    // A key taken before has its queue still (kept while idle): its keys are built already.
    const known = this.#queues.get(lockKeyOf(this.host.options.keyPrefix, key));
    const keys = known?.keys ?? lockKeys(this.host.options.keyPrefix, key);
    // Tracked like every one-shot attempt: close() waits for it (its WAIT too), then gives back what it won.
    if (o.waitReplicas) return this.attempt(acquireReplicated(this.#replication, keys, o));
    // A key this client waited for lately is still subscribed: a contended key. Its queue enqueues on the
    // first attempt, one round trip, so a plain try first would only add one.
    const contended =
      !this.notifier.isIdle &&
      this.notifier.isSubscribed(known?.grantChannel ?? grantChannel(keys, this.#clientTag));
    if (contended || (known && !known.isIdle) || o.signal?.aborted || o.waitTimeout === 0) {
      return this.wait(known ?? this.queueFor(keys), o, settingsOf(o));
    }
    return this.attempt(
      acquireFirst(known ?? this.queueFor(keys), o, {
        redis: this.scripts.redis,
        closed: () => this.host.closed,
        startOfWin: (token, fence, sentAt) => this.startOfWin(keys, token, fence, o.ttl, sentAt),
        newLease: (token, fence, startedAt) =>
          this.newLease(keys, token, fence, o.ttl, startedAt, settingsOf(o)),
        wait: (queue, left) =>
          waitInQueue(queue, { ...o, waitTimeout: left }, settingsOf(o), this.#waiters, true),
      }),
    );
  }

  async tryAcquire(key: string, options: unknown): Promise<Lease | null> {
    const o = resolveTryOptions(options, this.host.options.ttl);
    this.#assertOpen();
    const keys = lockKeys(this.host.options.keyPrefix, key);
    if (o.waitReplicas) {
      return this.attempt(tryReplicated(this.#replication, keys, o, withWait(this.scripts.redis, o)));
    }
    return this.attempt(this.#tryOnce(keys, randomToken(), o.ttl, settingsOf(o)));
  }

  /**
   * Tracks a one-shot attempt until it is answered. An attempt that wins after close() began gives its win
   * back itself, and close() waits for that, so nothing is sent after close() resolves.
   */
  attempt<T>(op: Promise<T>): Promise<T> {
    return this.#attempts.track(op);
  }

  async withLock<T>(key: string, fn: (lease: Lease) => T | Promise<T>, options: unknown): Promise<T> {
    const lease = await this.acquire(key, options);
    return this.host.work.track(runHolding(lease, fn, (err, context) => this.host.report(err, context)));
  }

  /** Waits in `queue` (one attempt when `waitTimeout` is 0). */
  wait(queue: KeyQueue, o: ResolvedAcquire, settings: LeaseSettings): Promise<Lease> {
    const { signal, waitTimeout } = o;
    // close() rejected every waiter already: one joining now (after a first try) would wait forever.
    if (this.host.closed) return Promise.reject(new LockClosedError());
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (waitTimeout === 0) {
      return this.attempt(this.#tryOnce(queue.keys, randomToken(), o.ttl, settings)).then((lease) => {
        if (!lease) throw new LockTimeoutError(queue.keys.name, 0);
        return lease;
      });
    }
    return waitInQueue(queue, o, settings, this.#waiters);
  }

  /** The queue of `keys`, made if needed (the owner lease's queue takes a fixed token and its own period). */
  queueFor(keys: LockKeys, pollPeriod = this.host.options.fallbackPoll, fixedToken?: string): KeyQueue {
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

  queueOf(keys: LockKeys): KeyQueue | undefined {
    return this.#queues.get(keys.lock);
  }

  newLease(
    keys: LockKeys,
    token: string,
    fence: number,
    ttl: number,
    startedAt: number,
    s: LeaseSettings,
  ): Lease {
    return this.#leases.make(keys, token, fence, ttl, startedAt, s);
  }

  /** close(), first: every waiter gives up with `err`. */
  rejectWaiters(err: unknown): void {
    for (const { queue, waiter } of [...this.#waiters]) {
      queue.leave(waiter);
      waiter.reject(err);
    }
  }

  /** close(), then: every lease is released, every queue emptied and its withdrawals answered. */
  async releaseAll(err: unknown): Promise<void> {
    await this.#attempts.drain();
    await this.#leases.releaseAll((err, context) => this.host.report(err, context));
    // A snapshot: failAll() may idle a queue, and an idle queue may be swept from the map.
    const queues = [...this.#queues.values()];
    for (const queue of queues) queue.failAll(err);
    await Promise.all(queues.map((queue) => queue.drain()));
    // A lease lost meanwhile and released after this (a lock() callback's unlock) sends nothing.
    await this.#leases.endGiveBacks();
    await this.notifier.close();
  }

  async #tryOnce(
    keys: LockKeys,
    token: string,
    ttl: number,
    settings: LeaseSettings,
    redis = this.scripts.redis,
  ): Promise<Lease | null> {
    const sentAt = performance.now();
    const target = { ...this.scripts, redis };
    const reply = await script.acquire(target, keys, { token, ttl });
    if (!reply.acquired) return null;
    const startedAt = await this.startOfWin(keys, token, reply.fence, ttl, sentAt, redis);
    if (startedAt === null) return null;
    if (this.host.closed) {
      // close() ran while this attempt was out: it could not see this lease, so give it back here.
      await script.release(target, keys, { token }).catch(() => {});
      throw new LockClosedError();
    }
    return this.newLease(keys, token, reply.fence, ttl, startedAt, settings);
  }

  /** See `startOfWin`: a win that came back late is renewed before it becomes a lease. */
  startOfWin(
    keys: LockKeys,
    token: string,
    fence: number,
    ttl: number,
    sentAt: number,
    redis = this.scripts.redis,
  ): Promise<number | null> {
    return startOfWin(
      sentAt,
      ttl,
      validityOf(ttl),
      () => script.extend(redis, keys, { token, ttl, fence }),
      () => script.release({ ...this.scripts, redis }, keys, { token, fence }),
    );
  }

  #idle(keys: LockKeys): void {
    const queue = this.#queues.get(keys.lock);
    if (!queue?.isIdle) return;
    this.notifier.unlisten(queue.grantChannel);
    // The queue stays for the key's next acquisition (a key is usually taken again and again, and building
    // a queue per acquisition showed in the uncontended benchmark); idle ones are swept once the map has
    // grown past a bound that doubles with the keys in use.
    if (this.#queues.size > this.#sweepAt) {
      for (const [lock, q] of this.#queues) if (q.canForget) this.#queues.delete(lock);
      this.#sweepAt = Math.max(IDLE_QUEUES_KEPT, 2 * this.#queues.size);
    }
  }

  #assertOpen(): void {
    if (this.host.closed) throw new LockClosedError();
  }
}
