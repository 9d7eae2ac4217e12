import { LockClient, type LockClientOptions, type RedisConnection } from '@edirect/lock-core';
import { Redis, type RedisOptions } from 'ioredis';
import { afterAll, afterEach } from 'vitest';
import { deleteKeys, redisUrl, testPrefix } from './redis.js';

/** A connection a pod's LockClient runs on, and how to let it go. */
interface Made {
  client?: LockClient;
  connection: RedisConnection;
}

export interface PodFactoryOptions<C extends RedisConnection> {
  /** Names the key prefix of the file's pods: `<label>:<random>:`. */
  label: string;
  /**
   * A new connection for each pod, as each pod has its own in production. Default: an ioredis
   * connection to the run's Redis with `redisOptions`.
   */
  connect?: () => C;
  /** Options of the default ioredis connection (`maxRetriesPerRequest: 1` unless given). */
  redisOptions?: RedisOptions;
  /**
   * When the pods are closed: after the file ('file', the default) or after each test ('test', for
   * a server or fake clock made per test).
   */
  scope?: 'file' | 'test';
  /** Deletes the prefix's keys after the file: on the run's Redis by default; false for a server of its own. */
  cleanup?: boolean;
}

export interface PodFactory<C extends RedisConnection> {
  /** Every pod's keyPrefix. */
  readonly prefix: string;
  /** Background errors the pods emitted ('error' events), for tests to assert on. */
  readonly errors: unknown[];
  /** A LockClient ("pod") on a connection of its own; `wrap` may stand between them (a spy, a fault). */
  pod(
    options?: Partial<LockClientOptions>,
    wrap?: (connection: C) => RedisConnection,
  ): { client: LockClient; redis: C };
  /** A pod on a connection the test made (through a fault proxy, with options of its own); owned as above. */
  podOn(redis: RedisConnection, options?: Partial<LockClientOptions>): LockClient;
  /** Connections the test made for itself (observers): disconnected with the pods. */
  own(...connections: RedisConnection[]): void;
  /** Closes every pod made so far and disconnects its connection. */
  closeAll(): Promise<void>;
}

/**
 * The one way tests make clients. Each pod is a LockClient on its own connection under the file's key
 * prefix; its 'error' events are collected in `errors` instead of logged; pods are closed, connections
 * dropped, and the prefix's keys deleted after the file (or after each test).
 */
export function podFactory<C extends RedisConnection = Redis>(opts: PodFactoryOptions<C>): PodFactory<C> {
  const prefix = testPrefix(opts.label);
  const made: Made[] = [];
  const errors: unknown[] = [];
  const connect =
    opts.connect ??
    (() => new Redis(redisUrl(), { maxRetriesPerRequest: 1, ...opts.redisOptions }) as unknown as C);
  const closeAll = async (): Promise<void> => {
    for (const { client, connection } of made.splice(0)) {
      await client?.close().catch(() => {});
      disconnect(connection);
    }
  };
  if (opts.scope === 'test') afterEach(closeAll);
  afterAll(async () => {
    await closeAll();
    if (opts.cleanup === false || opts.connect) return;
    const cleaner = new Redis(redisUrl());
    await deleteKeys(cleaner, prefix).catch(() => {});
    cleaner.disconnect();
  });
  const clientOn = (
    connection: RedisConnection,
    redis: RedisConnection,
    options: Partial<LockClientOptions>,
  ) => {
    const client = new LockClient({ redis, keyPrefix: prefix, ...options });
    client.on('error', (err) => errors.push(err));
    made.push({ client, connection });
    return client;
  };
  return {
    prefix,
    errors,
    pod(options = {}, wrap) {
      const redis = connect();
      return { client: clientOn(redis, wrap ? wrap(redis) : redis, options), redis };
    },
    podOn(redis, options = {}) {
      // Its faults are the test's subject: connection errors are expected, not a crash.
      (redis as { on?: (event: 'error', listener: () => void) => unknown }).on?.('error', () => {});
      return clientOn(redis, redis, options);
    },
    own(...connections) {
      for (const connection of connections) made.push({ connection });
    },
    closeAll,
  };
}

/** ioredis connections and the fake both have disconnect(); quit() would wait on a server that may be gone. */
function disconnect(connection: RedisConnection): void {
  (connection as { disconnect?: () => void }).disconnect?.();
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
