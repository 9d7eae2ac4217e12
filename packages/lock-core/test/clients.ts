import { LockClient, type LockClientOptions } from '@edirect/lock-core';
import { Redis, type RedisOptions } from 'ioredis';
import { afterAll } from 'vitest';
import { deleteKeys, redisUrl, testPrefix } from '../../../test/harness/index.js';

/**
 * Clients ("pods") for one test file, each on its own connection, all under the file's key prefix;
 * closed, and the prefix deleted, after the file's tests. Errors they emit are collected, not logged.
 */
export function podFactory(label: string, url: () => string = redisUrl) {
  const prefix = testPrefix(label);
  const made: Array<{ client: LockClient; redis: Redis }> = [];
  const errors: unknown[] = [];
  afterAll(async () => {
    for (const { client, redis } of made) {
      await client.close().catch(() => {});
      redis.disconnect();
    }
    const cleaner = new Redis(url());
    await deleteKeys(cleaner, prefix).catch(() => {});
    cleaner.disconnect();
  });
  return {
    prefix,
    errors,
    pod(options: Partial<LockClientOptions> = {}, redisOptions: RedisOptions = {}) {
      const redis = new Redis(url(), { maxRetriesPerRequest: 1, ...redisOptions });
      const client = new LockClient({ redis, keyPrefix: prefix, ...options });
      client.on('error', (err) => errors.push(err));
      made.push({ client, redis });
      return { client, redis };
    },
  };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
