import type { ConnectionOptions } from 'node:tls';
import type { LockClientOptions, RedisConnection } from '@edirect/lock-core';

/** Where the module's own connection goes. Anything more exotic: build it yourself and pass `connection`. */
export interface LockRedisOptions {
  host: string;
  /** Default 6379. */
  port?: number;
  password?: string;
  /** Redis 6 ACL user. */
  username?: string;
  /** Database index, default 0. */
  db?: number;
  /** `true` for TLS with Node's defaults, or `tls.connect` options (ca, servername, …). */
  tls?: boolean | ConnectionOptions;
}

/** The core's options that the module passes through unchanged (see `LockClientOptions`). */
export type LockCoreOptions = Pick<
  LockClientOptions,
  'instanceId' | 'keyPrefix' | 'ttl' | 'ownerTtl' | 'fallbackPoll' | 'logger'
>;

interface LockModuleBaseOptions extends LockCoreOptions {
  /** The pod group whose owner lease `isLockOwner()` campaigns for (the core's `namespace`); default 'default'. */
  lockOwner?: string;
  /**
   * How long bootstrap waits for the module's own connection to become ready before it fails, ms
   * (default 10 000). Not used with `connection`.
   */
  readyTimeout?: number;
  /**
   * How long shutdown lets work still running under a lock finish, ms (default 5 000): `@WithLock` and
   * `@OwnerOnly` methods, `withLock` bodies, `lock()` callbacks and election terms keep their leases (and
   * renew them) until they return, so no other pod starts the same work meanwhile. Then, as long again
   * for Redis to confirm the releases; past that the module stops waiting (and cuts its own connection),
   * and what this pod held expires by its ttl.
   */
  shutdownTimeout?: number;
}

/** A connection the module makes, quits at shutdown, from `{ host, port, … }` or a `redis://` / `rediss://` URL. */
export interface LockModuleRedisOptions extends LockModuleBaseOptions {
  redis: LockRedisOptions | string;
  connection?: never;
}

/**
 * A connection you own: an ioredis `Redis` or `Cluster`, or an `InMemoryRedis` from
 * `@edirect/lock-core/testing`. The module uses it as it is and never closes it.
 */
export interface LockModuleConnectionOptions extends LockModuleBaseOptions {
  connection: RedisConnection;
  redis?: never;
}

export type LockModuleOptions = LockModuleRedisOptions | LockModuleConnectionOptions;

/** What a `registerAsync({ useClass })` / `useExisting` class implements. */
export interface LockOptionsFactory {
  createLockOptions(): LockModuleOptions | Promise<LockModuleOptions>;
}
