import type { RedisConnection } from '../redis/connection.js';
import type { Logger } from '../util/report.js';
import {
  assertKnownKeys,
  assertMs,
  assertPlainObject,
  assertString,
  assertTtl,
  describe,
} from '../util/validate.js';

export interface RedlockClientOptions {
  /**
   * Independent Redis masters: not replicas of one another, not nodes of one Cluster, ideally on
   * separate machines. A lock is taken when a majority of them grant it. 3 or 5 is usual.
   */
  redis: RedisConnection[];
  /** Prepended to every key; keep it apart from a LockClient's keys on the same servers. */
  keyPrefix?: string;
  /** Default lease time, ms (30 s). */
  ttl?: number;
  /**
   * Pause between attempts while `acquire` waits, ms (default 100), plus up to as much again at random
   * so contenders spread out. Quorum mode has no queue and no notifications: waiting is polling.
   */
  retryDelay?: number;
  /**
   * Longest wait for the nodes' answers to one step, ms (default 500, and never past the lease's
   * validity). A node silent that long counts as failed for that step.
   */
  nodeTimeout?: number;
  /** Background failures when there is no `'error'` listener (default: console). */
  logger?: Logger;
}

export interface ResolvedRedlockOptions {
  redis: RedisConnection[];
  keyPrefix: string;
  ttl: number;
  retryDelay: number;
  nodeTimeout: number;
  logger: Logger;
}

const KNOWN = ['redis', 'keyPrefix', 'ttl', 'retryDelay', 'nodeTimeout', 'logger'];

export function resolveRedlockOptions(options: unknown): ResolvedRedlockOptions {
  assertPlainObject(options, 'options');
  assertKnownKeys(options, KNOWN, 'RedlockClient options');
  const o = options as Partial<RedlockClientOptions>;
  const redis = o.redis as unknown;
  if (!Array.isArray(redis) || redis.length === 0) {
    throw new TypeError(`options.redis must be a non-empty array of connections, got ${describe(redis)}`);
  }
  redis.forEach((node: unknown, i) => {
    if (typeof (node as RedisConnection | null)?.evalsha !== 'function') {
      throw new TypeError(`options.redis[${i}] must be an ioredis Redis, got ${describe(node)}`);
    }
  });
  // One server listed twice would vote twice: a "majority" that one crash could take away.
  if (new Set(redis).size !== redis.length) {
    throw new TypeError('options.redis lists the same connection more than once');
  }
  const resolved: ResolvedRedlockOptions = {
    redis: redis as RedisConnection[],
    keyPrefix: o.keyPrefix ?? '',
    ttl: o.ttl ?? 30_000,
    retryDelay: o.retryDelay ?? 100,
    nodeTimeout: o.nodeTimeout ?? 500,
    logger: o.logger ?? console,
  };
  assertString(resolved.keyPrefix, 'options.keyPrefix');
  assertTtl(resolved.ttl, 'options.ttl');
  assertMs(resolved.retryDelay, 'options.retryDelay');
  assertMs(resolved.nodeTimeout, 'options.nodeTimeout');
  if (typeof resolved.logger?.error !== 'function') {
    throw new TypeError(
      `options.logger must have an error(message, err) method, got ${describe(resolved.logger)}`,
    );
  }
  return resolved;
}
