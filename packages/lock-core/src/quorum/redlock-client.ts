import { EventEmitter } from 'node:events';
import { LockClosedError } from '../errors/lock-closed-error.js';
import type { LockLostError } from '../errors/lock-lost-error.js';
import type { LockQuorumError } from '../errors/lock-quorum-error.js';
import { LockTimeoutError } from '../errors/lock-timeout-error.js';
import {
  type AcquireOptions,
  type ResolvedAcquire,
  resolveAcquireOptions,
  resolveTryOptions,
} from '../lease/acquire-options.js';
import { Lease, type LeaseHost } from '../lease/lease.js';
import { runHolding } from '../lease/run-holding.js';
import { type LockKeys, lockKeys } from '../protocol/keys.js';
import { Alarms } from '../util/alarms.js';
import { backoff } from '../util/backoff.js';
import { reportBackground } from '../util/report.js';
import { sleep } from '../util/sleep.js';
import { randomToken } from '../util/token.js';
import { assertFunction, assertLockName } from '../util/validate.js';
import { WorkInProgress } from '../util/work.js';
import { type RedlockClientOptions, type ResolvedRedlockOptions, resolveRedlockOptions } from './options.js';
import { sealable } from './sealable.js';
import { acquireOnMajority, extendOnMajority, majorityOf, type Nodes, releaseOnAll } from './steps.js';

/** The acquire options that mean something in quorum mode (no replicas to wait for). */
export type QuorumAcquireOptions = Omit<AcquireOptions, 'waitReplicas' | 'replicationTimeout'>;

/**
 * Redlock: one lock over N independent Redis masters, held while a majority of them hold it, so no single
 * server is a point of failure. Leases are the same `Lease` as `LockClient`'s: renewed at ttl/3 on a
 * majority, `signal` aborted when a majority is lost or the local deadline (ttl - drift from when the
 * acquisition was sent, which also accounts for the time the majority took) passes.
 *
 * Fencing, honestly: each node keeps its own fence counter, raised from its own clock (µs) like a
 * LockClient's, and `lease.fence` is the largest among the nodes that granted the lease. While the nodes'
 * clocks agree, fences rise with time; but a node whose counter (or clock) ran ahead of the others can give
 * one holder a fence that a later holder, granted by other nodes, does not reach. So in quorum mode
 * `fence` is NOT a strictly increasing sequence across holders; a resource that must refuse stale writers
 * needs a single Redis (`LockClient`) or a store with a global revision (etcd, ZooKeeper). As with any
 * Redlock, safety also assumes bounded clock drift between the nodes and that a crashed node stays down
 * for a ttl before rejoining empty (or persists with appendfsync always).
 *
 * Waiting is polling with jitter: there is no fair queue and no notification across nodes.
 */
/** The events of a RedlockClient: as a LockClient's. */
export interface RedlockClientEvents {
  error: [err: unknown];
  lost: [key: string, err: LockLostError];
}

export class RedlockClient extends EventEmitter<RedlockClientEvents> {
  readonly #o: ResolvedRedlockOptions;
  readonly #nodes: Nodes;
  readonly #leases = new Set<Lease>();
  readonly #closing = new AbortController();
  readonly #leaseHost: LeaseHost;
  readonly #alarms = new Alarms();
  /** Give-backs of leases lost by their own clock: close() waits for those sent before it stopped. */
  readonly #giveBacks = new WorkInProgress();
  /** Attempts on the wire: one answered after close() began gives its win back itself. */
  readonly #attempts = new WorkInProgress();
  /** Set as close() resolves: no script is sent from then on (acquisitions: from its start; see `sealable`). */
  #sealed = false;
  #closed: Promise<void> | undefined;

  constructor(options: RedlockClientOptions) {
    super();
    this.#o = resolveRedlockOptions(options);
    this.#nodes = {
      redis: this.#o.redis.map((redis) =>
        sealable(redis, (acquire) => this.#sealed || (acquire && this.closed)),
      ),
      needed: majorityOf(this.#o.redis.length),
      timeout: this.#o.nodeTimeout,
    };
    this.#leaseHost = {
      alarms: this.#alarms,
      extend: (keys, token, ttl) => extendOnMajority(this.#nodes, keys, token, ttl),
      release: (lease) => releaseOnAll(this.#nodes, lease.redisKeys, lease.token),
      // Its tokens are random, one per lease: the token alone names the hold. None is sent after close().
      giveBack: (lease) =>
        this.#alarms.stopped
          ? undefined
          : this.#giveBacks.track(releaseOnAll(this.#nodes, lease.redisKeys, lease.token)),
      ended: (lease) => {
        this.#leases.delete(lease);
      },
      lost: (lease, err) => {
        if (this.listenerCount('lost') > 0) this.emit('lost', lease.key, err);
      },
      backgroundError: (err, context) => this.#backgroundError(err, context),
    };
  }

  /** Nodes in the quorum, and how many make a majority. */
  get quorum(): { nodes: number; majority: number } {
    return { nodes: this.#nodes.redis.length, majority: this.#nodes.needed };
  }

  get closed(): boolean {
    return this.#closed !== undefined;
  }

  /**
   * Waits for `key` on a majority (up to `waitTimeout`, or until `signal` aborts). Rejects with
   * `LockTimeoutError` when others held it throughout, or `LockQuorumError` when too few nodes answered
   * at the last attempt; unreachable nodes are retried with backoff meanwhile and reported as `'error'`.
   */
  async acquire(key: string, options?: QuorumAcquireOptions): Promise<Lease> {
    assertLockName(key);
    const o = this.#resolve(options, true);
    this.#assertOpen();
    const keys = lockKeys(this.#o.keyPrefix, key);
    const token = randomToken();
    const giveUpAt =
      o.waitTimeout === undefined ? Number.POSITIVE_INFINITY : performance.now() + o.waitTimeout;
    let failures = 0;
    for (;;) {
      if (o.signal?.aborted) throw o.signal.reason;
      this.#assertOpen();
      const step = await this.#attempt(keys, token, o);
      if (step instanceof Lease) {
        if (!o.signal?.aborted) return step;
        await step.release().catch(() => {}); // the caller stopped waiting while this attempt was out
        throw o.signal.reason;
      }
      if (step) this.#backgroundError(step, `waiting for lock "${key}"`);
      const left = giveUpAt - performance.now();
      if (left <= 0) throw step ?? new LockTimeoutError(key, o.waitTimeout ?? 0);
      const pause = step ? backoff(failures++) : this.#o.retryDelay * (1 + Math.random());
      await sleep(Math.min(left, pause), o.signal, this.#closing.signal);
    }
  }

  /** One attempt: the lease, or null if others hold `key`. Throws `LockQuorumError` if too few nodes answered. */
  async tryAcquire(
    key: string,
    options?: Omit<QuorumAcquireOptions, 'waitTimeout' | 'signal'>,
  ): Promise<Lease | null> {
    assertLockName(key);
    const o = this.#resolve(options, false, true);
    this.#assertOpen();
    const step = await this.#attempt(lockKeys(this.#o.keyPrefix, key), randomToken(), o);
    if (step instanceof Lease) return step;
    if (step) throw step;
    return null;
  }

  /** Acquires `key`, runs `fn(lease)`, releases in `finally`; a release error is reported, never thrown. */
  async withLock<T>(
    key: string,
    fn: (lease: Lease) => T | Promise<T>,
    options?: QuorumAcquireOptions,
  ): Promise<T> {
    assertFunction(fn, 'fn');
    const lease = await this.acquire(key, options);
    return runHolding(lease, fn, (err, context) => this.#backgroundError(err, context));
  }

  /** Ends waits with `LockClosedError` and releases every lease. The connections stay open: they are yours. */
  close(): Promise<void> {
    this.#closed ??= (async () => {
      this.#closing.abort(new LockClosedError());
      await this.#attempts.drain();
      await Promise.all(
        [...this.#leases].map((lease) =>
          lease.release().catch((err) => this.#backgroundError(err, 'closing')),
        ),
      );
      this.#alarms.stop();
      await this.#giveBacks.drain();
      this.#sealed = true;
    })();
    return this.#closed;
  }

  /** Tracked: close() waits for every attempt (and what it gives back) before it seals the nodes. */
  #attempt(keys: LockKeys, token: string, o: ResolvedAcquire): Promise<Lease | LockQuorumError | null> {
    return this.#attempts.track(this.#attemptOnce(keys, token, o));
  }

  /** A lease, null when held elsewhere, or the LockQuorumError of an attempt too few nodes answered. */
  async #attemptOnce(
    keys: LockKeys,
    token: string,
    o: ResolvedAcquire,
  ): Promise<Lease | LockQuorumError | null> {
    const result = await acquireOnMajority(this.#nodes, keys, token, o.ttl);
    if (result.outcome === 'unreachable') return result.error;
    if (result.outcome === 'held') return null;
    const lease = new Lease(this.#leaseHost, {
      keys,
      token,
      fence: result.fence,
      ttl: o.ttl,
      startedAt: result.startedAt,
      autoExtend: o.autoExtend,
      maxHold: o.maxHold,
    });
    this.#leases.add(lease);
    if (this.closed) {
      // close() ran while this attempt was out: give the lock straight back.
      await lease.release().catch(() => {});
      throw new LockClosedError();
    }
    return lease;
  }

  #resolve(options: unknown, autoExtend: boolean, once = false): ResolvedAcquire {
    for (const name of ['waitReplicas', 'replicationTimeout']) {
      if (typeof options === 'object' && options !== null && name in options) {
        throw new TypeError(
          `options.${name} does not apply to a RedlockClient: its safety is a majority of masters`,
        );
      }
    }
    return once
      ? resolveTryOptions(options, this.#o.ttl)
      : resolveAcquireOptions(options, this.#o.ttl, autoExtend);
  }

  #assertOpen(): void {
    if (this.#closed) throw new LockClosedError();
  }

  #backgroundError(err: unknown, context: string): void {
    reportBackground(this, this.#o.logger, err, `redlock ${context}`);
  }
}
