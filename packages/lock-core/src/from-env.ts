import { Redis } from 'ioredis';
import { LockClient } from './client.js';
import type { LockClientOptions } from './options.js';

export interface FromEnvResult {
  client: LockClient;
  /** The connection made from the environment: yours to close after `client.close()`. */
  redis: Redis;
}

/**
 * A client from the environment the original package documented: `REDIS_URL`, or `REDIS_HOST`,
 * `REDIS_PORT`, `REDIS_PASS`; and `NAMESPACE` for the owner lock.
 */
export function createLockClientFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  options: Omit<LockClientOptions, 'redis'> = {},
): FromEnvResult {
  let redis: Redis;
  if (env.REDIS_URL) {
    redis = new Redis(env.REDIS_URL);
  } else {
    if (!env.REDIS_HOST) throw new TypeError('REDIS_URL or REDIS_HOST must be set');
    const port = Number(env.REDIS_PORT ?? 6379);
    if (!Number.isInteger(port) || port <= 0 || port > 65_535) {
      throw new RangeError(`REDIS_PORT must be a port number, got "${env.REDIS_PORT}"`);
    }
    redis = new Redis({ host: env.REDIS_HOST, port, password: env.REDIS_PASS || undefined });
  }
  try {
    const client = new LockClient({
      ...options,
      redis,
      namespace: options.namespace ?? env.NAMESPACE ?? 'default',
    });
    return { client, redis };
  } catch (err) {
    // Options refused (a bad NAMESPACE, say): nobody else holds this connection to close it.
    redis.disconnect();
    throw err;
  }
}
