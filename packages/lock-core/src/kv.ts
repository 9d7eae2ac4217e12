import type { RedisConnection } from './redis/connection.js';

/** SET, without overwriting unless `override` (the original `set`). */
export async function setValue(
  redis: RedisConnection,
  key: string,
  value: string,
  override: boolean,
): Promise<void> {
  if (override) await redis.set(key, value);
  else await redis.set(key, value, 'NX');
}

export function getValue(redis: RedisConnection, key: string): Promise<string | null> {
  return redis.get(key);
}
