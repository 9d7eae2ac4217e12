import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { RedisConnection } from './redis/connection.js';
import { canShard, isCluster } from './redis/topology.js';
import type { Logger } from './util/report.js';
import {
  assertKey,
  assertKnownKeys,
  assertLockName,
  assertMs,
  assertNonNegativeMs,
  assertPlainObject,
  assertString,
  assertTtl,
  assertWellFormed,
  describe,
} from './util/validate.js';

export type { Logger };

export interface LockClientOptions {
  /** An ioredis `Redis` or `Cluster` that the caller owns and closes, or an `InMemoryRedis`. */
  redis: RedisConnection;
  /** The pod group whose owner lease `isLockOwner()` campaigns for (the original `lockOwner` / `NAMESPACE`). */
  namespace?: string;
  /** This process's identity in owner leases; default `${hostname}:${pid}:${random}`. */
  instanceId?: string;
  /** Prepended to every key and channel the client touches. */
  keyPrefix?: string;
  /** Default lease time of a timed lock, ms (30 s). */
  ttl?: number;
  /** Lease time of the owner lock, ms (15 s). */
  ownerTtl?: number;
  /**
   * How long a waiter may sleep without hearing from Redis before it asks again, ms (1 s): the bound on
   * the delay a lost notification can cause.
   */
  fallbackPoll?: number;
  /** Background failures when there is no `'error'` listener (default: console). */
  logger?: Logger;
  /**
   * How long `close()` lets work still running under a lease finish before it releases anyway, ms (10 s):
   * `withLock` bodies, `lock()` callbacks (until they unlock), `ifLockOwner` bodies and election terms
   * (whose `term.signal` aborts first). Their leases keep renewing meanwhile, so no other pod starts the
   * same work while it still runs here. 0: release at once.
   */
  shutdownTimeout?: number;
  /**
   * How releases wake waiters. `'classic'`: PUBLISH and SUBSCRIBE, which a Redis Cluster broadcasts to
   * every node. `'sharded'`: SPUBLISH and SSUBSCRIBE (Redis 7+), served by the lock's own shard only; on
   * a Cluster the client subscribes through `cluster.duplicate(undefined, { shardedSubscribers: true })`.
   * `'auto'` (default): sharded when `redis` is an ioredis Cluster, classic otherwise. The server is not
   * asked its version, so a Redis 6 Cluster needs `'classic'` (its scripts would refuse SPUBLISH). The
   * in-memory fake speaks classic only.
   */
  pubsub?: PubSubMode;
}

export type PubSubMode = 'auto' | 'sharded' | 'classic';

export interface ResolvedOptions {
  redis: RedisConnection;
  namespace: string;
  instanceId: string;
  keyPrefix: string;
  ttl: number;
  ownerTtl: number;
  fallbackPoll: number;
  logger: Logger;
  shutdownTimeout: number;
  /** 'auto' resolved against the connection. */
  pubsub: 'sharded' | 'classic';
}

const KNOWN = [
  'redis',
  'namespace',
  'instanceId',
  'keyPrefix',
  'ttl',
  'ownerTtl',
  'fallbackPoll',
  'logger',
  'shutdownTimeout',
  'pubsub',
] as const;

const PUBSUB_MODES: readonly string[] = ['auto', 'sharded', 'classic'];

export function defaultInstanceId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
}

export function resolveOptions(options: unknown): ResolvedOptions {
  assertPlainObject(options, 'options');
  assertKnownKeys(options, KNOWN, 'LockClient options');
  const o = options as Partial<LockClientOptions>;
  const redis = o.redis as unknown;
  if (
    typeof redis !== 'object' ||
    redis === null ||
    typeof (redis as RedisConnection).evalsha !== 'function' ||
    typeof (redis as RedisConnection).duplicate !== 'function'
  ) {
    throw new TypeError(
      `options.redis must be an ioredis Redis or Cluster, or an InMemoryRedis, got ${describe(redis)}`,
    );
  }
  const pubsub = o.pubsub ?? 'auto';
  if (!PUBSUB_MODES.includes(pubsub)) {
    throw new TypeError(`options.pubsub must be 'auto', 'sharded' or 'classic', got ${describe(pubsub)}`);
  }
  const resolved: ResolvedOptions = {
    redis: redis as RedisConnection,
    namespace: o.namespace ?? 'default',
    instanceId: o.instanceId ?? defaultInstanceId(),
    keyPrefix: o.keyPrefix ?? '',
    ttl: o.ttl ?? 30_000,
    ownerTtl: o.ownerTtl ?? 15_000,
    fallbackPoll: o.fallbackPoll ?? 1_000,
    logger: o.logger ?? console,
    shutdownTimeout: o.shutdownTimeout ?? 10_000,
    pubsub: pubsub === 'auto' ? (isCluster(redis) && canShard(redis) ? 'sharded' : 'classic') : pubsub,
  };
  if (resolved.pubsub === 'sharded' && !canShard(redis)) {
    throw new TypeError(
      "options.pubsub 'sharded' needs an ioredis connection with sharded pub/sub (ssubscribe; on a Cluster, an ioredis with the shardedSubscribers option), and Redis 7+",
    );
  }
  assertLockName(resolved.namespace, 'options.namespace');
  assertKey(resolved.instanceId, 'options.instanceId');
  assertWellFormed(resolved.instanceId, 'options.instanceId');
  if (/\s|\|/.test(resolved.instanceId)) {
    throw new TypeError(
      `options.instanceId must not contain whitespace or "|", got ${describe(resolved.instanceId)}`,
    );
  }
  assertString(resolved.keyPrefix, 'options.keyPrefix');
  assertTtl(resolved.ttl, 'options.ttl');
  assertTtl(resolved.ownerTtl, 'options.ownerTtl');
  assertMs(resolved.fallbackPoll, 'options.fallbackPoll');
  assertNonNegativeMs(resolved.shutdownTimeout, 'options.shutdownTimeout');
  if (typeof resolved.logger?.error !== 'function') {
    throw new TypeError(
      `options.logger must have an error(message, err) method, got ${describe(resolved.logger)}`,
    );
  }
  return resolved;
}
